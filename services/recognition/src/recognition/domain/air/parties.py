"""Parties: what makes a name the supplier's (the seller's) rather than the customer's.

Template-free evidence from the page's layout, used by the extractor besides the labelled
blocks ("Leverancier", "Bill to") and the prominent name at the top:

* a sender line: one line of segments separated by bullets, bars or dashes that carries a
  postal address ("Bei Spiel GmbH • Ecke 12 • 12345 Stadthausen", the return address above
  a window envelope's recipient, or a letterhead "Name SARL - 12 rue ... - 84340 Ville");
  its first segment is the sender, and the address block right under it is the recipient;
* the seller's registration block: a block of stacked lines that carries a VAT number, an
  IBAN or a company registration (KvK, HRB, SIRET, RCS, capital ...) not labelled as the
  customer's; its first line, when it is a name, is the seller;
* a name alone in the header or footer band directly above such registration lines
  ("NETPRESSE" / "Siège social ... – TVA FR..").
"""

import re
from dataclasses import dataclass
from typing import Final

from recognition.domain.air.core import (
    Candidate,
    Document,
    _alignment_tolerance,
    _best,
)
from recognition.domain.amounts_dates import find_amounts, find_dates, fold
from recognition.domain.identifiers import find_ibans, find_vat_numbers
from recognition.domain.labels import is_credit_word, starts_with_label
from recognition.domain.layout import Cell, Line

LEGAL_FORM: Final = re.compile(
    r"(?<![a-z])(?:bv|b\.v\.|nv|n\.v\.|bvba|sprl|srl|sa|s\.a\.|scrl|sc|cv|commv|vof|vzw|asbl|"
    r"gmbh|ag|kg|ug|ltd|limited|llc|plc|inc|sarl|s\.a\.r\.l\.|sas|eurl|s\.a r\.l\.|s\.a\.r\.l|"
    r"sàrl|sarl-s|oy|ab|aps|as|a/s|sp\.\s?z\s?o\.o\.|s\.l\.|s\.p\.a\.|spa|srl|lda|bvba)(?![a-z])"
)
POSTAL: Final = re.compile(
    r"(?<![\w])(?:[a-z]{1,2}\s?-\s?)?\d{4,5}(?:\s?[a-z]{2})?\s+[a-z][a-z'’ -]{2,}"
    r"|(?<![\w])[a-z]{1,2}\d[a-z\d]?\s\d[a-z]{2}(?![\w])|(?<![\w])d\d{2}\s?[a-z0-9]{4}(?![\w])"
)
STREET: Final = re.compile(
    r"(?:straat|laan|weg|plein|lei|steenweg|dreef|kaai|markt|baan|hof|singel|gracht|dijk|"
    r"rue|avenue|av\.|chaussee|boulevard|bd|place|quai|chemin|allee|impasse|"
    r"street|st\.|road|rd\.|lane|strasse|str\.|gasse|platz|way|drive|square|park)\b[^a-z]*\d"
    r"|^\d+[a-z]?,?\s+[a-z]+\s+(?:street|road|lane|avenue|way|drive|square|place)"
)
# Words that end a company name with a period of their own ("Acme Ltd.").
ABBREVIATIONS: Final = frozenset({"ltd.", "inc.", "co.", "corp.", "bros.", "cie.", "cy."})
CONTACT: Final = re.compile(r"@|www\.|https?:|\btel\b|\bfax\b|\bgsm\b|\+\d{2}|\(0\)")


def name_like(text: str) -> bool:
    """A party name: mostly letters, not an address, contact detail, date or amount."""
    stripped = text.strip(" :,;-")
    folded = fold(stripped)
    if not 2 <= len(stripped) <= 80 or sum(ch.isalpha() for ch in stripped) < 2:
        return False
    digits = sum(ch.isdigit() for ch in stripped)
    if digits > 0.25 * len(stripped):
        return False
    if POSTAL.search(folded) or STREET.search(folded) or CONTACT.search(folded):
        return False
    return not (find_dates(stripped) or find_amounts(stripped))


def clean_name(text: str) -> str:
    """A party name without the punctuation OCR and layouts leave around it: quotes and
    bars before it, a colon or dash after it, a doubled or sentence-final period ("Kempen."
    but not "S.A." or "B.V.")."""
    name = re.sub(r"\s+", " ", text).strip(" :,;-–·|\"'„“”‘’‚«»")
    name = re.sub(r"\.{2,}$", ".", name)
    last = name.rsplit(" ", 1)[-1]
    if last.endswith(".") and "." not in last[:-1] and fold(last) not in ABBREVIATIONS:
        name = name[:-1]
    return name


_SEPARATORS: Final = re.compile(r"\s+[-–—|•●·∙▪]\s+|\s*[|•●·∙▪]\s*")
_REGISTRATION: Final = re.compile(
    r"(?<![a-z])(?:capital|r\.?c\.?s|siret|siren|kvk|hrb|hra|handelsregister|registergericht|"
    r"amtsgericht|rpr|rpm|kbo|company\s*(?:no|number|reg\w*)|registered\s*(?:office|in)|"
    r"ust\s*-?\s*id\w*|steuer\s*-?\s*nr|btw|tva|vat\s*(?:no|number|reg\w*|id))(?![a-z])"
)
_SENDER_SCORE: Final = 0.85
_REGISTRATION_BLOCK_SCORE: Final = 0.8
_BAND_NAME_SCORE: Final = 0.75
_TITLE_NAME_SCORE: Final = 0.7
_NAMED_TITLE: Final = re.compile(
    r"^([a-z0-9][\w&.,' -]{2,60}?)\s+(?:tax\s+)?(?:invoice|factuur|facture|rechnung|fattura)$"
)


# French company law lists the name (dénomination sociale), the legal form and the share
# capital as separate mentions ("Au bon moulin", "SARL au capital de 120 000 €"): where the
# page states the form that way, the form is not part of the name.
_FRENCH_FORMS: Final = r"sarl|sas|sasu|eurl|selarl|selas|snc|sa|sca|sci"
_CAPITAL_MENTION: Final = re.compile(rf"(?<![a-z])({_FRENCH_FORMS})\s+(?:au|a)\s+capital(?![a-z])")
_NAMED_CAPITAL_MENTION: Final = re.compile(
    rf"(?:^|[|•·;:]\s*|\s-\s)([a-z0-9][\w&'’. -]{{0,60}}?)\s*,?\s+(?:{_FRENCH_FORMS})"
    r"\s+(?:au|a)\s+capital(?![a-z])"
)
_CAPITAL_MENTION_SCORE: Final = 0.8


def french_denomination(name: str, lines: list[Line]) -> str:
    """`name` without a trailing French legal form that the page states as a mention of its
    own ("Au bon moulin SARL" where "SARL au capital de ..." is printed)."""
    match = re.search(rf"[\s,]+({_FRENCH_FORMS})\.?$", fold(name))
    if match is None or match.start() < 2:
        return name
    form = match[1]
    if any(m[1] == form for line in lines for m in _CAPITAL_MENTION.finditer(line.folded)):
        return name[: match.start()].strip(" ,")
    return name


def _capital_mentions(lines: list[Line], customer_cells: set[int]) -> list["NameEvidence"]:
    """The name before "SAS au capital de ..." in a company's legal mentions."""
    found = []
    for line in lines:
        for match in _NAMED_CAPITAL_MENTION.finditer(line.folded):
            cell = next(
                (
                    c
                    for c in line.cells
                    if line.text.find(c.text) <= match.start(1) < len(line.text)
                ),
                line.cells[0],
            )
            if cell.index in customer_cells:
                continue
            name = _short_name(line.text[match.start(1) : match.end(1)])
            if name is not None:
                found.append(NameEvidence(name, _CAPITAL_MENTION_SCORE, cell, "capital mention"))
    return found


_TITLE_WORD: Final = re.compile(
    r"(?<![a-z])(?:factuur|facture|invoice|rechnung|tax invoice|credit ?nota|avoir)s?(?![a-z])"
)


@dataclass(frozen=True, slots=True)
class NameEvidence:
    """A name that layout evidence says is the supplier's, and how strong that is."""

    name: str
    score: float
    cell: Cell
    why: str


def _short_name(text: str) -> str | None:
    name = clean_name(text)
    if not name_like(name) or starts_with_label(name) or len(name.split()) > 6:
        return None
    if is_sentence(text):
        return None  # a slogan or a sentence, not a name
    return name


def is_sentence(text: str) -> bool:
    """Four words or more ending with a full stop that closes no abbreviation ("Dat betaal
    ik zelf wel.", but not "Logistiek Van Dijk B.V." nor "Acme Holdings Ltd.")."""
    words = text.split()
    if len(words) < 4 or not words[-1].endswith((".", "!")):
        return False
    last = fold(words[-1])
    return "." not in last[:-1] and last not in ABBREVIATIONS


def _is_address(text: str) -> bool:
    folded = fold(text)
    return bool(POSTAL.search(folded) or STREET.search(folded))


def _marks_seller(text: str) -> bool:
    return bool(_REGISTRATION.search(fold(text)) or find_vat_numbers(text) or find_ibans(text))


def _continuation(block: list[Cell], blocks: list[list[Cell]]) -> list[Cell]:
    """The block that continues `block` after a blank line, in the same column (a company's
    address, then its registration numbers)."""
    last = block[-1]
    height = max(last.bottom - last.top, 4.0)
    for other in blocks:
        first = other[0]
        if (
            first.page == last.page
            and 0 <= first.top - last.bottom <= 2.5 * height
            and abs(first.x0 - block[0].x0) <= 25
        ):
            return other
    return []


def _recipient_block(
    line: Line, own: list[Cell], blocks: list[list[Cell]], left: float, right: float
) -> list[Cell]:
    """The address block that starts on `line` under a sender line, nearest its left edge.
    Lines stacked under the sender line with its alignment are the recipient's address when
    they read as one (name, then postal address), and the sender's own continuation
    (contact and registration details) otherwise."""
    starts = sorted(
        (c for c in line.cells if left - 20 <= c.x0 <= right and name_like(c.text)),
        key=lambda c: abs(c.x0 - left),
    )
    for start in starts:
        if start in own:
            block = own[own.index(start) :]
            if any(_marks_seller(c.text) for c in block):
                continue
        else:
            block = next((b for b in blocks if b[0] is start), [])
        if any(_is_address(c.text) for c in block[1:5]):
            return block
    return []


def supplier_evidence(
    lines: list[Line],
    blocks: list[list[Cell]],
    page_height: float,
    customer_cells: set[int],
) -> tuple[list[NameEvidence], set[int]]:
    """Supplier names from sender lines, registration blocks and header/footer bands, and
    the cells of the recipient's address block (the one right under a sender line)."""
    evidence: list[NameEvidence] = []
    recipient: set[int] = set()
    first_page = [line for line in lines if line.page == 0]
    for position, line in enumerate(first_page):
        joined = " | ".join(cell.text for cell in line.cells)
        segments = [part.strip() for part in _SEPARATORS.split(joined) if part.strip()]
        if len(segments) < 3 or not any(_is_address(part) for part in segments[1:]):
            continue
        if any(cell.index in customer_cells for cell in line.cells):
            continue
        name = _short_name(segments[0])
        if name is None:
            continue
        evidence.append(NameEvidence(name, _SENDER_SCORE, line.cells[0], "sender line"))
        # The recipient's block starts on one of the next lines, under the sender line
        # (a letterhead's own continuation lines belong to the sender's block).
        own = next((b for b in blocks if line.cells[0] in b), [])
        left, right = line.cells[0].x0, line.cells[0].x1 + 200
        for below in first_page[position + 1 : position + 3]:
            block = _recipient_block(below, own, blocks, left, right)
            if block:
                recipient.update(cell.index for cell in block)
                break
    for block in blocks:
        if block[0].page != 0 or len(block) < 2:
            continue
        if any(cell.index in customer_cells for cell in block):
            continue
        if not any(_marks_seller(cell.text) for cell in block[1:] + _continuation(block, blocks)):
            continue
        # A company: its address follows the name, or the name carries a legal form.
        if not (
            any(_is_address(cell.text) for cell in block[1:5])
            or LEGAL_FORM.search(fold(block[0].text))
        ):
            continue
        name = _short_name(block[0].text)
        if name is not None:
            evidence.append(
                NameEvidence(name, _REGISTRATION_BLOCK_SCORE, block[0], "registration block")
            )
    for position, line in enumerate(first_page):
        in_band = line.top < 0.15 * page_height or line.top > 0.8 * page_height
        if not in_band or len(line.cells) != 1:
            continue
        following = first_page[position + 1 : position + 4]
        if not any(_marks_seller(other.text) for other in following):
            continue
        if any(cell.index in customer_cells for cell in line.cells):
            continue
        name = _short_name(line.cells[0].text)
        if name is not None:
            evidence.append(NameEvidence(name, _BAND_NAME_SCORE, line.cells[0], "band name"))
    for line in first_page:
        if line.top > 0.25 * page_height:
            break
        for cell in line.cells:
            # "Amazon Web Services Invoice", "Stadtwerke Musterstadt Rechnung": the issuer
            # names itself in the document's title.
            match = _NAMED_TITLE.match(cell.folded)
            if match is None or any(c.index in customer_cells for c in (cell,)):
                continue
            name = _short_name(cell.text[: len(match[1])])
            if name is not None and len(name.split()) >= 2:
                evidence.append(NameEvidence(name, _TITLE_NAME_SCORE, cell, "title"))
    evidence += _capital_mentions(lines, customer_cells)
    evidence = [item for item in evidence if item.cell.index not in recipient]
    return evidence, recipient


_WEB_ADDRESS: Final = re.compile(r"(?:@|www\.|https?://)([a-z0-9-]+)\.(?:[a-z0-9-]+\.)*[a-z]{2,}")
# Mail providers' domains name no company.
_COMMON_MAIL: Final = frozenset(
    {"gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "icloud", "gmx", "web",
     "proton", "protonmail", "telenet", "skynet", "orange", "wanadoo", "localhost", "mail"}
)  # fmt: skip


def band_domains(lines: list[Line], page_height: float) -> set[str]:
    """Second-level names of the e-mail and web addresses in the first page's header and
    footer bands, where a company prints its own contact details."""
    found: set[str] = set()
    for line in lines:
        if line.page != 0 or 0.15 * page_height <= line.top <= 0.8 * page_height:
            continue
        for match in _WEB_ADDRESS.finditer(line.folded):
            if match[1] not in _COMMON_MAIL:
                found.add(match[1].replace("-", ""))
    return found


def matches_domain(name: str, domains: set[str]) -> bool:
    """Whether a name is the one its web domain spells ("CRONUS DE" / cronus.com)."""
    key = "".join(ch for ch in LEGAL_FORM.sub("", fold(name)) if ch.isalnum())
    return len(key) >= 4 and any(
        len(domain) >= 4 and (key.startswith(domain) or domain.startswith(key))
        for domain in domains
    )


class PartiesMixin:
    doc: Document
    # Cells of the block that carries the dossier's own VAT number: the buyer's.
    own_party_cells: set[int]

    # parties -------------------------------------------------------------------------------

    def _labelled_block(self, role: str) -> tuple[Candidate[str] | None, list[Cell]]:
        for hit in self.doc.hits_for(role):
            if not hit.at_start or hit.cell.line_index in self.doc.table_lines:
                continue
            cell = hit.cell
            block: list[Cell] = [cell]
            name: str | None = None
            name_cell: Cell = cell
            if hit.inline:
                name = hit.inline
                value_x = next(
                    (
                        word.x0
                        for word, (start, _) in zip(cell.words, cell.char_offsets(), strict=True)
                        if start >= hit.end and word.text.strip(":") != ""
                    ),
                    cell.x0,
                )
                block += self.doc.block_after(cell) or self.doc.stack_below(cell, value_x)
            else:
                right = self.doc.right_of(cell, max_gap=160)
                if (
                    right is not None
                    and name_like(right.text)
                    and not self.doc.starts_with_label(right)
                ):
                    name, name_cell = right.text, right
                    block += [right, *self.doc.block_after(right)]
                else:
                    following = self.doc.block_after(cell) or (
                        [under] if (under := self.doc.below(cell)) else []
                    )
                    if following:
                        name_cell = following[0]
                        name = name_cell.text
                        block += [*following, *self.doc.block_after(name_cell)]
            if name is None or not name_like(name):
                continue
            return Candidate(clean_name(name), 0.6 + 0.3 * hit.weight, (name_cell,)), block
        return None, []

    def _address_blocks(self) -> list[list[Cell]]:
        """Blocks on the first page that look like a postal address (name + postal code)."""
        result = []
        for block in self.doc.blocks:
            if block[0].page != 0 or len(block) < 2:
                continue
            if any(POSTAL.search(cell.folded) for cell in block[1:6]):
                result.append(block)
        return result

    def supplier_and_customer_names(
        self,
    ) -> tuple[Candidate[str] | None, Candidate[str] | None, set[int]]:
        customer, customer_block = self._labelled_block("customer_block")
        customer_ids = {cell.index for cell in customer_block}
        if customer is None and self.own_party_cells:
            first = min(self.own_party_cells)
            if name_like(self.doc.cells[first].text):
                customer = Candidate(
                    clean_name(self.doc.cells[first].text), 0.8, (self.doc.cells[first],)
                )
            customer_ids |= self.own_party_cells
        supplier, supplier_block = self._labelled_block("supplier_block")
        recipient: set[int] = set()
        if supplier is None:
            customer_marks = customer_ids | self._labelled_cells(
                "customer_block", "customer_vat", "customer_ref", "customer_iban"
            )
            page_height = self.doc.pages[0].height if self.doc.pages else 842.0
            evidence, recipient = supplier_evidence(
                self.doc.lines, self.doc.blocks, page_height, customer_marks
            )
            customer_name = fold(customer.value) if customer is not None else None
            options = [
                Candidate(item.name, item.score, (item.cell,), source=item.why)
                for item in evidence
                if fold(item.name) != customer_name
            ]
            prominent = self._prominent_name(excluded=customer_ids | recipient)
            if prominent is not None and fold(prominent.value) != customer_name:
                prominent.source = "prominent"
                options.append(prominent)
            supplier = _best(options)
            if supplier is not None and len(supplier.source.split("+")) >= 2:
                supplier.strong = True  # two independent kinds of evidence agree
            supplier_ids = set()
            if supplier is not None and supplier.cells:
                block = self.doc.blocks[self.doc.block_of[supplier.cells[0].index]]
                # A return-address line chained to the window address under it by
                # alignment: the recipient's lines are not the supplier's.
                supplier_ids = {cell.index for cell in block} - recipient
        else:
            supplier_ids = {cell.index for cell in supplier_block}
        if supplier is not None:
            supplier.value = french_denomination(supplier.value, self.doc.lines)
        if customer is None:
            customer, window = self._window_address(excluded=supplier_ids, preferred=recipient)
            customer_ids |= window
        return supplier, customer, customer_ids

    def _prominent_name(self, excluded: set[int]) -> Candidate[str] | None:
        page = self.doc.pages[0] if self.doc.pages else None
        if page is None:
            return None
        labelled_value_cells = set()
        for hit in self.doc.hits:
            labelled_value_cells.add(hit.cell.index)
            if hit.is_last and (right := self.doc.right_of(hit.cell)) is not None:
                labelled_value_cells.add(right.index)
        region = [
            cell
            for cell in self.doc.cells
            if cell.page == 0
            and cell.top < 0.4 * page.height
            and cell.index not in excluded
            and cell.index not in labelled_value_cells
            and cell.line_index not in self.doc.table_lines
        ]
        sizes = [cell.size for cell in region]
        if not sizes:
            return None
        max_size = max(sizes)
        body_size = sorted(sizes)[len(sizes) // 2]
        footer_names = self._footer_names()
        domains = band_domains(self.doc.lines, page.height)
        candidates: list[Candidate[str]] = []
        for cell in region:
            text = clean_name(cell.text)
            if (
                not name_like(text)
                or is_credit_word(text)
                # A title ("Invoice", "Retail Invoices/Bill", "Acme Invoice"): the issuer
                # named in a title is read by `supplier_evidence` without the title word.
                or _TITLE_WORD.search(fold(text))
            ):
                continue
            if len(text.split()) > 7:
                continue
            if is_sentence(cell.text):
                continue  # a slogan, not a name
            score = 0.3
            if cell.size > body_size * 1.15:
                score += 0.3 * min(1.0, (cell.size - body_size) / max(max_size - body_size, 0.1))
            if LEGAL_FORM.search(fold(text)):
                score += 0.25
            block = self.doc.blocks[self.doc.block_of[cell.index]]
            after = block[block.index(cell) + 1 : block.index(cell) + 5]
            if any(POSTAL.search(c.folded) or STREET.search(c.folded) for c in after):
                score += 0.15
            if fold(text) in footer_names:
                score += 0.15
            score += 0.1 * (1 - min(cell.top / (0.4 * page.height), 1.0))
            if matches_domain(text, domains):
                score += 0.2  # the seller prints its own e-mail and web address
            candidates.append(Candidate(text, min(score, 1.0), (cell,)))
        best = _best(candidates)
        if best is None and footer_names:
            return Candidate(next(iter(footer_names.values())), 0.5)
        return best

    def _footer_names(self) -> dict[str, str]:
        """First segments of lines that also carry a VAT number or IBAN ("Name BV · BTW ...")."""
        names: dict[str, str] = {}
        for line in self.doc.lines:
            if not (find_vat_numbers(line.text) or find_ibans(line.text)):
                continue
            first = re.split(r"\s[|·•–-]\s|\s{3,}|,\s", line.text)[0]
            if name_like(first) and not starts_with_label(first):
                names[fold(clean_name(first))] = clean_name(first)
        return names

    def _window_address(
        self,
        excluded: set[int],
        preferred: set[int] = frozenset(),  # type: ignore[assignment]
    ) -> tuple[Candidate[str] | None, set[int]]:
        page = self.doc.pages[0] if self.doc.pages else None
        if page is None:
            return None, set()
        options = []
        blocks = self._address_blocks()
        if preferred:
            # The recipient under a return-address line, also when alignment chained it to
            # that line in one block.
            blocks.append([self.doc.cells[index] for index in sorted(preferred)])
        for block in blocks:
            if any(cell.index in excluded for cell in block):
                continue
            first = block[0]
            if first.top > 0.55 * page.height or self.doc.starts_with_label(first):
                continue
            if not name_like(first.text):
                continue
            score = 0.55 + (0.1 if first.x0 > 0.4 * page.width else 0)
            if first.index in preferred:
                score += 0.25  # right under the sender's return-address line
            options.append((score, first, block))
        if not options:
            return None, set()
        score, first, block = max(options, key=lambda item: item[0])
        return Candidate(clean_name(first.text), score, (first,)), {c.index for c in block}

    def _region(self, ids: set[int]) -> set[int]:
        """The cells of a party block plus what lies inside its box and on the line under
        it (OCR may drop a label and shift a value off the block's alignment)."""
        if not ids:
            return ids
        cells = [self.doc.cells[i] for i in ids]
        page = cells[0].page
        left = min(c.x0 for c in cells) - _alignment_tolerance(cells[0])
        right = max(c.x1 for c in cells)
        top = min(c.top for c in cells)
        heights = sorted(c.bottom - c.top for c in cells)
        bottom = max(c.bottom for c in cells) + 1.5 * heights[len(heights) // 2]
        inside = {
            c.index
            for c in self.doc.cells
            if c.page == page and top - 2 <= c.top <= bottom and left <= c.x0 < right
        }
        return ids | inside
