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

from recognition.domain.amounts_dates import find_amounts, find_dates, fold
from recognition.domain.identifiers import find_ibans, find_vat_numbers
from recognition.domain.labels import starts_with_label
from recognition.domain.layout import Cell, Line

__all__ = [
    "LEGAL_FORM",
    "POSTAL",
    "STREET",
    "NameEvidence",
    "clean_name",
    "is_decoration",
    "is_sentence",
    "name_like",
    "supplier_evidence",
]

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


DECORATION: Final = re.compile(
    r"^[\s(]*(?:\d{1,2}(?:[.,]\d{1,2})?\s?%|eur|€|[a-z]{3}|n[o°]|#)?[\s):.]*$", re.I
)


def is_decoration(text: str) -> bool:
    """Text after a label that is part of the label ("21 %", "(EUR)", "n°"), not a value."""
    return bool(DECORATION.match(text))


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
            starts = [
                c
                for c in below.cells
                if left - 20 <= c.x0 <= right and c not in own and name_like(c.text)
            ]
            block = next((b for b in blocks if starts and b[0] is starts[0]), None)
            if block is not None and any(_is_address(c.text) for c in block[1:5]):
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
    evidence = [item for item in evidence if item.cell.index not in recipient]
    return evidence, recipient
