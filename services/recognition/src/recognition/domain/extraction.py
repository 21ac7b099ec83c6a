"""Invoice fields from positioned words, without per-supplier templates ("AIR").

The same code reads the text layer of a PDF and the words Tesseract found on a scan. It works
in three steps:

1. Structure: words become lines and cells (`layout`), labels are recognised in every cell
   (`labels`), cells that sit under each other with the same alignment form blocks (an
   address, a list of payment details), and the items table is located (`items`).
2. Candidates: every label proposes values from the text after it, the cell to its right or
   the cell under it; identifiers are also found by pattern anywhere (VAT numbers, IBANs,
   payment references carry check digits, so a pattern match is already strong evidence).
3. Decisions: each field takes its best candidate, scored by how it was found (an explicit
   "Factuurnummer" beats a generic "Nr", a value to the right beats one below), whether the
   value is well-formed, and whether it agrees with the others. For the totals the agreement
   is arithmetic: excl. + VAT = incl., VAT = sum of rate x base, the lines add up to the
   total excl. VAT; the combination that satisfies most of these wins.

Each field's confidence (0-1) is that score, lowered by the OCR confidence of the words it
was read from. The supplier is the party that is not the customer: the customer's block is
usually labelled ("Klant", "Facturé à", "Bill to") or is the window-envelope address block;
the supplier is the prominent name at the top (largest type, legal form, its own address
block), with the VAT number and IBAN that are not the customer's.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import product
from typing import Any, Final, Generic, TypeVar

from ledgerline.events.invoice import (
    DocumentType,
    InvoiceData,
    InvoiceFields,
    InvoiceLine,
    Party,
    VatBreakdown,
)

from recognition.domain.amounts_dates import (
    CURRENCY_CODES,
    AmountMatch,
    find_amounts,
    find_dates,
    find_percentages,
    fold,
    month_first_dates,
)
from recognition.domain.identifiers import (
    Found,
    bic_of_iban,
    find_bics,
    find_ibans,
    find_payment_references,
    find_vat_numbers,
)
from recognition.domain.items import ItemTable, find_items
from recognition.domain.labels import (
    LabelHit,
    find_label_hits,
    is_credit_word,
    starts_with_label,
)
from recognition.domain.layout import Cell, Line, Page
from recognition.domain.parties import (
    LEGAL_FORM as _LEGAL_FORM,
)
from recognition.domain.parties import (
    POSTAL as _POSTAL,
)
from recognition.domain.parties import (
    STREET as _STREET,
)
from recognition.domain.parties import (
    clean_name as _clean_name,
)
from recognition.domain.parties import (
    is_decoration as _is_decoration,
)
from recognition.domain.parties import is_sentence, supplier_evidence
from recognition.domain.parties import (
    name_like as _name_like,
)

__all__ = ["EURO_COUNTRIES", "Extraction", "extract_invoice"]

T = TypeVar("T")

EURO_COUNTRIES: Final = frozenset(
    [
        "AT",
        "BE",
        "CY",
        "DE",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "EL",
        "HR",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PT",
        "SI",
        "SK",
    ]
)
_CENT: Final = Decimal("0.01")
_MAX_VAT_RATE: Final = Decimal("0.28")
_DERIVED: Final = 0.3
"""Score of a total computed from the two others rather than read."""
_TOTAL_ROLES: Final = ("total_excl", "total_vat", "total_incl", "amount_due", "vat")
_VAT_LABEL_ROLES: Final = frozenset({"vat", "vat_id", "customer_vat"})

_PAYMENT_TERMS: Final = re.compile(
    r"(\d{1,3})\s*(?:kalender)?(?:dagen|dgn|jours|days|tage)(?!\w)|(?:net|netto)\s*(\d{1,3})(?!\d)"
)


@dataclass(slots=True)
class Candidate(Generic[T]):
    value: T
    score: float
    cells: tuple[Cell, ...] = ()
    # Found by evidence that is rarely wrong on its own: an explicit label at the start of
    # its cell ("Rechnungsnummer", "Invoice date"), or a supplier name that the page's
    # layout names twice independently. Used by `_calibrate`.
    strong: bool = False
    source: str = ""


@dataclass(slots=True)
class Extraction:
    """What was read, and how sure each field is (0-1)."""

    invoice: InvoiceData
    confidences: dict[str, float]


def _alignment_tolerance(cell: Cell) -> float:
    """How far apart (points) two left edges may be and still count as aligned: a text
    layer is exact, OCR boxes wobble with residual skew and blur."""
    return 4.0 if cell.confidence >= 1.0 else 10.0


def _ocr_factor(cells: Iterable[Cell]) -> float:
    """1 for a PDF text layer; for OCR, lower when Tesseract was unsure of the words."""
    confidences = [cell.confidence for cell in cells]
    if not confidences:
        return 1.0
    return 0.6 + 0.4 * min(confidences)


class _Document:
    """The page structure plus the lookups the field finders share."""

    def __init__(self, pages: list[Page], lines: list[Line], cells: list[Cell]) -> None:
        self.pages = pages
        self.lines = lines
        self.cells = cells
        self.hits_by_cell: dict[int, list[LabelHit]] = {
            cell.index: find_label_hits(cell) for cell in cells
        }
        self.hits = [hit for cell in cells for hit in self.hits_by_cell[cell.index]]
        self.block_of, self.blocks = self._build_blocks()
        self.table: ItemTable | None = None
        self.table_lines: set[int] = set()
        # The day/month order is the document's, not each date's (11/03 and 11/17 together).
        self.month_first = month_first_dates(line.text for line in lines)

    # -- neighbourhood ---------------------------------------------------------------------

    def starts_with_label(self, cell: Cell) -> bool:
        hits = self.hits_by_cell[cell.index]
        return bool(hits) and hits[0].at_start and hits[0].role not in ("doc_title",)

    def right_of(self, cell: Cell, max_gap: float = 260.0) -> Cell | None:
        line = self.lines[cell.line_index]
        for other in line.cells:
            if other.x0 >= cell.x1 - 1 and other is not cell:
                return other if other.x0 - cell.x1 <= max_gap else None
        return None

    def cells_right_of(self, cell: Cell) -> list[Cell]:
        return [
            c for c in self.lines[cell.line_index].cells if c.x0 >= cell.x1 - 1 and c is not cell
        ]

    def below(self, cell: Cell) -> Cell | None:
        """The cell under `cell` (next line down within two line heights) that overlaps it
        most horizontally."""
        limit = cell.bottom + 2.2 * max(cell.bottom - cell.top, 6.0)
        for line in self.lines[cell.line_index + 1 :]:
            if line.page != cell.page or line.top > limit:
                return None
            overlapping = [
                (min(c.x1, cell.x1) - max(c.x0, cell.x0), c)
                for c in line.cells
                if min(c.x1, cell.x1) - max(c.x0, cell.x0) > 0
            ]
            if overlapping:
                return max(overlapping, key=lambda item: item[0])[1]
        return None

    def _build_blocks(self) -> tuple[dict[int, int], list[list[Cell]]]:
        """Chains of cells stacked with the same left, right or centre alignment and no
        more than about a line of space between them: addresses and detail lists."""
        below_of: dict[int, Cell] = {}
        has_above: set[int] = set()
        for index, line in enumerate(self.lines):
            for cell in line.cells:
                height = max(cell.bottom - cell.top, 4.0)
                tolerance = _alignment_tolerance(cell)
                for next_line in self.lines[index + 1 : index + 4]:
                    if next_line.page != line.page or next_line.top - cell.bottom > 0.9 * height:
                        break
                    match = next(
                        (
                            other
                            for other in next_line.cells
                            if other.index not in has_above
                            and (
                                abs(other.x0 - cell.x0) <= tolerance
                                or abs(other.x1 - cell.x1) <= tolerance
                                or (
                                    abs(other.centre_x - cell.centre_x) <= tolerance
                                    and min(other.x1, cell.x1) > max(other.x0, cell.x0)
                                )
                            )
                        ),
                        None,
                    )
                    if match is not None:
                        below_of[cell.index] = match
                        has_above.add(match.index)
                        break
        block_of: dict[int, int] = {}
        blocks: list[list[Cell]] = []
        for cell in self.cells:
            if cell.index in has_above:
                continue
            chain = [cell]
            while chain[-1].index in below_of:
                chain.append(below_of[chain[-1].index])
            for member in chain:
                block_of[member.index] = len(blocks)
            blocks.append(chain)
        return block_of, blocks

    def block_after(self, cell: Cell, limit: int = 7) -> list[Cell]:
        block = self.blocks[self.block_of[cell.index]]
        position = block.index(cell)
        return block[position + 1 : position + 1 + limit]

    # -- label values ----------------------------------------------------------------------

    def value_sources(self, hit: LabelHit, *, below: bool = True) -> list[tuple[str, float, Cell]]:
        """Texts that may hold the value of `hit`, with how typical that position is."""
        sources: list[tuple[str, float, Cell]] = []
        if hit.inline:
            sources.append((hit.inline, 1.0, hit.cell))
        if not hit.is_last:
            return sources
        right = self.right_of(hit.cell)
        if right is not None and not self.starts_with_label(right):
            sources.append((right.text, 0.95, right))
        if below and hit.at_start and _is_decoration(hit.inline):
            under = self.below(hit.cell)
            if under is not None and not self.starts_with_label(under):
                sources.append((under.text, 0.8, under))
        if right is None and not hit.at_start and len(hit.inline) < 3:
            # A sentence wrapped after its label: "... te betalen vóór" / "13/04/2026 op ...".
            following = self.next_line_start(hit.cell)
            if following is not None:
                sources.append((following.text, 0.75, following))
        return sources

    def next_line_start(self, cell: Cell) -> Cell | None:
        if cell.line_index + 1 >= len(self.lines):
            return None
        line = self.lines[cell.line_index + 1]
        first = line.cells[0]
        if (
            line.page == cell.page
            and abs(first.x0 - self.lines[cell.line_index].cells[0].x0) <= 12
            and line.top - cell.bottom <= 1.2 * max(cell.bottom - cell.top, 6.0)
        ):
            return first
        return None

    def segment_amounts(self, hit: LabelHit) -> list[tuple[AmountMatch, float, Cell]]:
        """Amounts after a totals label on its line, up to the next label; the one under the
        label when the line has none (totals laid out as a grid)."""
        found: list[tuple[AmountMatch, float, Cell]] = [
            (amount, 1.0, hit.cell) for amount in find_amounts(hit.inline)
        ]
        if hit.is_last:
            for cell in self.cells_right_of(hit.cell):
                if self.starts_with_label(cell):
                    break
                found.extend((amount, 1.0, cell) for amount in find_amounts(cell.text))
        if not found and hit.at_start and hit.is_last:
            under = self.below(hit.cell)
            if under is not None and not self.starts_with_label(under):
                found.extend((amount, 0.75, under) for amount in find_amounts(under.text))
        return found

    def stack_below(self, cell: Cell, x0: float, limit: int = 7) -> list[Cell]:
        """Cells under `cell` that start at `x0` on consecutive lines (an address that is
        indented under "Aan: Name")."""
        stacked: list[Cell] = []
        previous = cell
        for line in self.lines[cell.line_index + 1 :]:
            if len(stacked) >= limit or line.page != cell.page:
                break
            if line.top - previous.bottom > 0.9 * max(previous.bottom - previous.top, 4.0):
                break
            tolerance = _alignment_tolerance(previous)
            aligned = next((c for c in line.cells if abs(c.x0 - x0) <= tolerance), None)
            if aligned is None:
                break
            stacked.append(aligned)
            previous = aligned
        return stacked

    def hits_for(self, *roles: str) -> list[LabelHit]:
        return [hit for hit in self.hits if hit.role in roles]


# --- helpers --------------------------------------------------------------------------------


def _best(candidates: list[Candidate[T]]) -> Candidate[T] | None:
    """Highest score; the same value found several times gets a small bonus."""
    if not candidates:
        return None
    merged: dict[object, Candidate[T]] = {}
    for candidate in candidates:
        key = candidate.value
        if key in merged:
            existing = merged[key]
            best = existing if existing.score >= candidate.score else candidate
            merged[key] = Candidate(
                best.value,
                min(1.0, best.score + 0.05),
                existing.cells + candidate.cells,
                existing.strong or candidate.strong,
                "+".join(
                    sorted({*existing.source.split("+"), *candidate.source.split("+")} - {""})
                ),
            )
        else:
            merged[key] = candidate
    return max(merged.values(), key=lambda c: c.score)


_FREE_REFERENCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*\d[A-Za-z0-9/._-]*")


def _free_reference(text: str) -> str | None:
    """The reference in the text after a payment-reference label: the whole text when it is
    a short code ("KD-4711 RE 2024/118"), else its first token with a digit."""
    stripped = text.strip(" :.;,")
    words = stripped.split()
    if not stripped or find_ibans(stripped) or find_dates(stripped):
        return None
    if any(amount.decimals == 2 for amount in find_amounts(stripped)):
        return None  # an amount, not a reference
    if len(stripped) <= 30 and len(words) <= 3 and any(ch.isdigit() for ch in stripped):
        return stripped
    match = _FREE_REFERENCE.search(stripped)
    return match[0].strip("._-") if match and len(match[0]) >= 4 else None


def _unanimous(best: Candidate[T] | None, candidates: list[Candidate[T]]) -> Candidate[T] | None:
    """`best`, no longer strong when another labelled candidate names a different value."""
    if (
        best is not None
        and best.strong
        and any(c.value != best.value and c.score >= 0.7 for c in candidates)
    ):
        best.strong = False
    return best


# --- the extractor --------------------------------------------------------------------------


class _Extractor:
    def __init__(self, document: _Document) -> None:
        self.doc = document
        self.confidence: dict[str, float] = {}

    # document type -------------------------------------------------------------------------

    def document_type(self) -> Candidate[DocumentType] | None:
        candidates: list[Candidate[DocumentType]] = []
        first_page_height = self.doc.pages[0].height if self.doc.pages else 842.0
        max_size = max((cell.size for cell in self.doc.cells if cell.page == 0), default=1.0)
        for hit in self.doc.hits_for("doc_title", "invoice_number", "issue_date", "subject"):
            label = hit.cell.folded[hit.start : hit.end]
            text = label if hit.role != "subject" else hit.cell.folded
            credit = is_credit_word(text)
            invoice = bool(re.search(r"factu|invoice|rechnung", text))
            if not (credit or invoice):
                continue
            prominence = 0.55 + 0.25 * (hit.cell.size / max_size)
            if hit.cell.page == 0 and hit.cell.top < 0.45 * first_page_height:
                prominence += 0.15
            candidates.append(
                Candidate("credit_note" if credit else "invoice", min(prominence, 1.0), (hit.cell,))
            )
        if not candidates:
            return None
        # A credit-note title anywhere prominent decides: invoices rarely say "credit note"
        # in their header, credit notes often also say "factuur" (e.g. "creditfactuur").
        credit = [c for c in candidates if c.value == "credit_note" and c.score >= 0.7]
        return _best(credit) if credit else _best(candidates)

    # invoice number ------------------------------------------------------------------------

    def _number_token(self, text: str) -> str | None:
        text = re.sub(r"^(?:n[o°º]|nr|no|#)\.?\s*[:.]?\s*", "", text.strip(), flags=re.I)
        tokens = text.split()
        if not tokens:
            return None
        # A sentence or OCR speck may end the number with a period: "... nr. 2026-17."
        token = tokens[0].strip(":;,").rstrip(".")
        if (
            len(tokens) > 1
            and token.isalpha()
            and len(token) <= 4
            and token.isupper()
            and any(ch.isdigit() for ch in tokens[1])
        ):
            token = f"{token} {tokens[1]}"
        if not any(ch.isdigit() for ch in token) or not 1 <= len(token) <= 30:
            return None
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._\- ]*", token):
            return None
        if find_dates(token) or find_vat_numbers(token) or find_ibans(token):
            return None
        amounts = find_amounts(token)
        if amounts and amounts[0].decimals == 2 and len(amounts[0].value.as_tuple().digits) > 2:
            return None
        return token

    def invoice_number(self) -> Candidate[str] | None:
        candidates: list[Candidate[str]] = []
        for hit in self.doc.hits_for("invoice_number", "doc_title"):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            sources = (
                self.doc.value_sources(hit)
                if hit.role == "invoice_number"
                else [(hit.inline, 1.0, hit.cell)]
            )
            for text, position, cell in sources:
                token = self._number_token(text)
                if token is None:
                    continue
                score = hit.weight * position * (1.0 if hit.at_start else 0.85)
                # An explicit number label, or a title with the number after it ("Facture
                # FA-2017-0010", "Rechnung # RE-1/2"), opening its cell.
                opens = hit.at_start or _SUBJECT.match(hit.cell.folded[: hit.start]) is not None
                strong = opens and (
                    (hit.role == "invoice_number" and hit.weight >= 1.0 and position >= 0.8)
                    # a bare "Nummer" / "No." label with its value beside it
                    or (hit.role == "invoice_number" and position >= 0.95)
                    or (hit.role == "doc_title" and any(ch.isdigit() for ch in token))
                )
                candidates.append(Candidate(token, 0.55 * score + 0.35, (cell,), strong))
                break
        return _unanimous(_best(candidates), candidates)

    # dates ---------------------------------------------------------------------------------

    def _dates(self, role: str) -> list[Candidate[date]]:
        candidates: list[Candidate[date]] = []
        for hit in self.doc.hits_for(role):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            for text, position, cell in self.doc.value_sources(hit):
                dates = find_dates(text, month_first=self.doc.month_first)
                if dates:
                    score = hit.weight * position * (1.0 if hit.at_start else 0.9)
                    strong = hit.weight >= 0.65 and hit.at_start and position >= 0.8
                    candidates.append(Candidate(dates[0].value, 0.5 * score + 0.4, (cell,), strong))
                    break
        return candidates

    def dates(self) -> tuple[Candidate[date] | None, Candidate[date] | None]:
        issue = self._dates("issue_date")
        due = self._dates("due_date")
        strong_issue = [c for c in issue if c.score >= 0.8]
        if not strong_issue:
            # No "invoice date" label: the first date of the first page that is not labelled
            # as something else ("Antwerpen, 14 maart 2026" letters).
            # Dates labelled as something else are skipped by their cell, not their value: a
            # delivery date is often the invoice date too.
            taken = {c.value for c in due}
            other_cells = self._other_date_cells()
            for cell in self.doc.cells:
                if cell.page != 0 or cell.line_index in self.doc.table_lines:
                    continue
                if cell.index in other_cells:
                    continue
                found = [
                    d.value
                    for d in find_dates(cell.text, month_first=self.doc.month_first)
                    if d.value not in taken
                ]
                if found:
                    # "Gent, 13-09-2026": a letter's place and date, a firm convention.
                    dated_letter = _PLACE_DATE.match(cell.folded) is not None
                    issue.append(Candidate(found[0], 0.55, (cell,), dated_letter))
                    break
        best_issue = _unanimous(_best(issue), issue)
        best_due = _unanimous(_best(due), due)
        if best_due is None and best_issue is not None:
            days = self._payment_term_days()
            if days is not None:
                best_due = Candidate(best_issue.value + timedelta(days=days), 0.6)
        if best_issue and best_due:
            if best_due.value >= best_issue.value:
                best_due.score = min(1.0, best_due.score + 0.1)
                best_issue.score = min(1.0, best_issue.score + 0.05)
            else:
                best_due.score *= 0.6
        return best_issue, best_due

    def _other_date_cells(self) -> set[int]:
        cells: set[int] = set()
        for hit in self.doc.hits_for("other_date"):
            cells.add(hit.cell.index)
            for _, _, cell in self.doc.value_sources(hit):
                cells.add(cell.index)
        return cells

    def _other_dates(self) -> set[date]:
        found: set[date] = set()
        for hit in self.doc.hits_for("other_date"):
            for text, _, _ in self.doc.value_sources(hit):
                found.update(d.value for d in find_dates(text, month_first=self.doc.month_first))
        return found

    def _payment_term_days(self) -> int | None:
        for line in self.doc.lines:
            if re.search(
                r"betal|paiement|payment|payable|zahl|terms|termijn|conditions", line.folded
            ):
                match = _PAYMENT_TERMS.search(line.folded)
                if match:
                    days = int(match[1] or match[2])
                    if 0 < days <= 120:
                        return days
        return None

    # identifiers ---------------------------------------------------------------------------

    def _vat_numbers(self) -> list[tuple[Found, Cell, bool]]:
        """Every valid VAT number, its cell and whether a VAT label stands next to it."""
        found: list[tuple[Found, Cell, bool]] = []
        labelled_cells: set[int] = set()
        for hit in self.doc.hits:
            if hit.role in _VAT_LABEL_ROLES:
                labelled_cells.add(hit.cell.index)
                right = self.doc.right_of(hit.cell, max_gap=120)
                if right is not None and hit.is_last:
                    labelled_cells.add(right.index)
        for cell in self.doc.cells:
            labelled = cell.index in labelled_cells
            for item in find_vat_numbers(cell.text, allow_bare_belgian=labelled):
                found.append((item, cell, labelled))
        return found

    def _customer_vat_labelled(self) -> list[Candidate[str]]:
        result = []
        for hit in self.doc.hits_for("customer_vat"):
            for text, position, cell in self.doc.value_sources(hit):
                numbers = find_vat_numbers(text, allow_bare_belgian=True)
                if numbers:
                    result.append(Candidate(numbers[0].value, 0.6 + 0.35 * position, (cell,)))
                    break
        return result

    def _labelled_cells(self, *roles: str) -> set[int]:
        """Cells carrying a label of one of `roles` and the value cells to their right."""
        cells: set[int] = set()
        for hit in self.doc.hits_for(*roles):
            cells.add(hit.cell.index)
            if hit.is_last and (right := self.doc.right_of(hit.cell)) is not None:
                cells.add(right.index)
        return cells

    def ibans(self) -> list[tuple[Found, Cell, bool]]:
        labelled = {hit.cell.index for hit in self.doc.hits_for("iban")}
        result = []
        for cell in self.doc.cells:
            for item in find_ibans(cell.text):
                left = self.doc.lines[cell.line_index].cells
                near_label = cell.index in labelled or any(
                    c.index in labelled and c.x1 <= cell.x0 for c in left
                )
                result.append((item, cell, near_label))
        return result

    def payment(
        self, supplier_iban: Candidate[str] | None
    ) -> tuple[Candidate[str] | None, Candidate[str] | None]:
        """BIC (printed next to a BIC/SWIFT label, else the IBAN's bank) and payment reference."""
        bic_candidates: list[Candidate[str]] = []
        for hit in self.doc.hits_for("bic"):
            for text, position, cell in self.doc.value_sources(hit, below=True):
                bics = find_bics(text)
                if bics:
                    bic_candidates.append(Candidate(bics[0].value, 0.6 + 0.3 * position, (cell,)))
                    break
        derived = bic_of_iban(supplier_iban.value) if supplier_iban else None
        for candidate in bic_candidates:
            if derived and candidate.value[:8] == derived[:8]:
                candidate.score = min(1.0, candidate.score + 0.1)
        bic = _best(bic_candidates)
        if bic is None and derived is not None:
            bic = Candidate(derived, 0.75)

        references: list[Candidate[str]] = []
        labelled = {hit.cell.index for hit in self.doc.hits_for("payment_ref", "reference")}
        for line in self.doc.lines:
            near_label = any(cell.index in labelled for cell in line.cells)
            text = line.text
            # A reference wrapped at the end of a sentence continues on the next line.
            following = self.doc.next_line_start(line.cells[-1])
            joined = f"{text} {following.text}" if following is not None else text
            for item in find_payment_references(joined, allow_bare_ogm=near_label):
                if item.start >= len(text):
                    continue
                references.append(
                    Candidate(item.value, 0.85 + (0.1 if near_label else 0), (line.cells[0],))
                )
        if not references:
            references = self._free_payment_references()
        return bic, _best(references)

    def _free_payment_references(self) -> list[Candidate[str]]:
        """A reference without check digits, printed after an explicit payment-reference
        label ("Zahlungsreferenz: 2024-118", "Verwendungszweck: KD 4711", "Mededeling:
        F26/118", "Référence de paiement : ..."): read as printed, at a lower confidence
        than a structured (OGM / RF) one."""
        found: list[Candidate[str]] = []
        for hit in self.doc.hits_for("payment_ref"):
            for text, position, cell in self.doc.value_sources(hit):
                value = _free_reference(text)
                if value is not None:
                    found.append(Candidate(value, 0.6 + 0.2 * position, (cell,)))
                    break
        return found

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
                    and _name_like(right.text)
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
            if name is None or not _name_like(name):
                continue
            return Candidate(_clean_name(name), 0.6 + 0.3 * hit.weight, (name_cell,)), block
        return None, []

    def _address_blocks(self) -> list[list[Cell]]:
        """Blocks on the first page that look like a postal address (name + postal code)."""
        result = []
        for block in self.doc.blocks:
            if block[0].page != 0 or len(block) < 2:
                continue
            if any(_POSTAL.search(cell.folded) for cell in block[1:6]):
                result.append(block)
        return result

    def supplier_and_customer_names(
        self,
    ) -> tuple[Candidate[str] | None, Candidate[str] | None, set[int]]:
        customer, customer_block = self._labelled_block("customer_block")
        customer_ids = {cell.index for cell in customer_block}
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
                supplier_ids = {cell.index for cell in block}
        else:
            supplier_ids = {cell.index for cell in supplier_block}
        if customer is None:
            customer, customer_ids = self._window_address(
                excluded=supplier_ids, preferred=recipient
            )
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
        candidates: list[Candidate[str]] = []
        for cell in region:
            text = _clean_name(cell.text)
            if (
                not _name_like(text)
                or is_credit_word(text)
                or re.fullmatch(
                    r"(?:factuur|facture|invoice|rechnung|tax invoice|credit ?nota|avoir)s?\b.*",
                    fold(text),
                )
            ):
                continue
            if len(text.split()) > 7:
                continue
            if is_sentence(cell.text):
                continue  # a slogan, not a name
            score = 0.3
            if cell.size > body_size * 1.15:
                score += 0.3 * min(1.0, (cell.size - body_size) / max(max_size - body_size, 0.1))
            if _LEGAL_FORM.search(fold(text)):
                score += 0.25
            block = self.doc.blocks[self.doc.block_of[cell.index]]
            after = block[block.index(cell) + 1 : block.index(cell) + 5]
            if any(_POSTAL.search(c.folded) or _STREET.search(c.folded) for c in after):
                score += 0.15
            if fold(text) in footer_names:
                score += 0.15
            score += 0.1 * (1 - min(cell.top / (0.4 * page.height), 1.0))
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
            if _name_like(first) and not starts_with_label(first):
                names[fold(_clean_name(first))] = _clean_name(first)
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
        for block in self._address_blocks():
            if any(cell.index in excluded for cell in block):
                continue
            first = block[0]
            if first.top > 0.55 * page.height or self.doc.starts_with_label(first):
                continue
            if not _name_like(first.text):
                continue
            score = 0.55 + (0.1 if first.x0 > 0.4 * page.width else 0)
            if first.index in preferred:
                score += 0.25  # right under the sender's return-address line
            options.append((score, first, block))
        if not options:
            return None, set()
        score, first, block = max(options, key=lambda item: item[0])
        return Candidate(_clean_name(first.text), score, (first,)), {c.index for c in block}

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

    # totals --------------------------------------------------------------------------------

    def vat_breakdown(self) -> list[tuple[VatBreakdown, Cell]]:
        """Lines that state a VAT rate, a base and the VAT on it (base x rate = VAT)."""
        rows: list[tuple[VatBreakdown, Cell]] = []
        seen: set[tuple[Decimal, Decimal, Decimal]] = set()
        for line in self.doc.lines:
            if line.index in self.doc.table_lines:
                continue
            percentages = find_percentages(line.text)
            if not percentages:
                continue
            rate = percentages[0].value
            amounts = [a.value for a in find_amounts(line.text[percentages[0].end :])]
            amounts += [a.value for a in find_amounts(line.text[: percentages[0].start])]
            match = None
            for base, vat in product(amounts, amounts):
                if base == vat and rate != 0:
                    continue
                if abs(base) < abs(vat):
                    continue
                expected = (base * rate / 100).quantize(_CENT)
                if abs(expected - vat) <= _CENT and (rate != 0 or vat == 0):
                    match = (base, vat)
                    break
            if match is None:
                continue
            key = (rate, match[0], match[1])
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                (
                    VatBreakdown(
                        category="S" if rate else None,
                        rate=rate,
                        taxable_amount=match[0],
                        vat_amount=match[1],
                    ),
                    line.cells[0],
                )
            )
        return rows

    def totals(
        self, items: list[InvoiceLine], breakdown: list[VatBreakdown]
    ) -> dict[str, Candidate[Decimal] | None]:
        pools: dict[str, list[Candidate[Decimal]]] = {"excl": [], "vat": [], "incl": []}
        for hit in self.doc.hits_for(*_TOTAL_ROLES):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            amounts = self.doc.segment_amounts(hit)
            if not amounts:
                continue
            amount, position, cell = amounts[-1]
            quality = hit.weight * position * (1.0 if amount.decimals == 2 else 0.7)
            quality *= 1.0 if hit.at_start else 0.8
            if hit.role == "vat" and find_vat_numbers(hit.cell.text):
                continue
            role = {"total_excl": "excl", "total_vat": "vat", "vat": "vat"}.get(hit.role, "incl")
            if hit.role == "amount_due":
                quality *= 0.95
            if hit.role == "vat":
                quality *= 0.9
            pools[role].append(Candidate(amount.value, quality, (cell,)))
        rate_lines = self._vat_rate_lines()
        if len(rate_lines) >= 2:
            # "BTW 21% ... 210,00" and "BTW 6% ... 12,00" without a total VAT line.
            pools["vat"].append(
                Candidate(sum((c.value for c in rate_lines.values()), Decimal(0)), 0.8)
            )
        if breakdown:
            pools["excl"].append(Candidate(sum(b.taxable_amount for b in breakdown), 0.6))
            pools["vat"].append(Candidate(sum(b.vat_amount for b in breakdown), 0.65))
        nets = [line.net_amount for line in items if line.net_amount is not None]
        if nets:
            pools["excl"].append(Candidate(sum(nets, Decimal(0)), 0.45))
        largest = self._largest_amount()
        if largest is not None:
            pools["incl"].append(Candidate(largest, 0.25))

        def top(pool: list[Candidate[Decimal]]) -> list[Candidate[Decimal] | None]:
            merged: dict[Decimal, Candidate[Decimal]] = {}
            for candidate in pool:
                key = abs(candidate.value)
                if key not in merged or merged[key].score < candidate.score:
                    merged[key] = Candidate(key, candidate.score, candidate.cells)
                else:
                    merged[key].score = min(1.0, merged[key].score + 0.05)
            ranked = sorted(merged.values(), key=lambda c: -c.score)[:6]
            return [*ranked, None]

        breakdown_vat = sum((b.vat_amount for b in breakdown), Decimal(0)) if breakdown else None
        nets_total = sum(nets, Decimal(0)) if nets else None
        expected_vat = self._expected_vat(items, set(rate_lines))
        best_score = -1.0
        best: tuple[Candidate[Decimal] | None, ...] = (None, None, None)
        for excl, vat, incl in product(top(pools["excl"]), top(pools["vat"]), top(pools["incl"])):
            # Two printed totals fix the third: a total that OCR misread ("§,224.03") or that
            # the document leaves out (no VAT line on a reverse-charge invoice) is computed.
            if incl is None and excl is not None and vat is not None:
                incl = Candidate(excl.value + vat.value, _DERIVED)
            elif vat is None and excl is not None and incl is not None and incl.value >= excl.value:
                vat = Candidate(incl.value - excl.value, _DERIVED)
            elif excl is None and vat is not None and incl is not None and incl.value > vat.value:
                excl = Candidate(incl.value - vat.value, _DERIVED)
            score = sum(c.score for c in (excl, vat, incl) if c is not None)
            if excl and vat and incl and excl.value + vat.value == incl.value:
                score += 1.5
            if excl and incl and excl.value > incl.value:
                score -= 1.0
            if vat and incl and vat.value >= incl.value and incl.value:
                score -= 1.0
            # Agreement with independent evidence counts only for values that were read
            # (candidates with cells), not for the sums that are that evidence.
            if vat and vat.cells and breakdown_vat is not None and vat.value == abs(breakdown_vat):
                score += 0.3
            if excl and excl.cells and nets_total is not None and excl.value == abs(nets_total):
                score += 0.3
            if excl and vat and excl.value > 0:
                if vat.value > excl.value * _MAX_VAT_RATE:
                    score -= 1.0  # no EU VAT rate is above 27 %
                if expected_vat is not None and abs(expected_vat(excl.value) - vat.value) <= _CENT:
                    score += 0.5
            if score > best_score:
                best_score, best = score, (excl, vat, incl)
        excl, vat, incl = best
        consistent = bool(excl and vat and incl and excl.value + vat.value == incl.value)
        result: dict[str, Candidate[Decimal] | None] = {}
        for name, candidate in (
            ("total_excl_vat", excl),
            ("total_vat", vat),
            ("total_incl_vat", incl),
        ):
            if candidate is None:
                result[name] = None
                continue
            confidence = 0.35 + 0.45 * min(candidate.score, 1.0)
            if consistent:
                confidence += 0.2
                if (
                    excl is not None
                    and incl is not None
                    and vat is not None
                    and excl.cells
                    and incl.cells
                    and (vat.cells or vat.score != _DERIVED)
                ):
                    # Three amounts read from the page (the VAT maybe as the sum of its
                    # per-rate lines) that add up: a wrong reading would have to be wrong
                    # in two places that still agree.
                    confidence = max(confidence, 0.96)
            result[name] = Candidate(candidate.value, min(confidence, 1.0), candidate.cells)
        return result

    @staticmethod
    def _expected_vat(
        items: list[InvoiceLine], rates: set[Decimal]
    ) -> Callable[[Decimal], Decimal] | None:
        """VAT = rate x base: with a single rate on the document, the VAT that a total
        excl. VAT implies; with lines that all carry a rate, the VAT the lines imply."""
        pairs = [
            (line.vat_rate, abs(line.net_amount))
            for line in items
            if line.vat_rate is not None and line.net_amount is not None
        ]
        if items and len(pairs) == len(items):
            bases: dict[Decimal, Decimal] = {}
            for rate, net in pairs:
                bases[rate] = bases.get(rate, Decimal(0)) + net
            implied = sum(
                ((base * rate / 100).quantize(_CENT) for rate, base in bases.items()), Decimal(0)
            )
            if len(bases) > 1:
                return lambda _excl: implied
            rates = set(bases)
        if len(rates) == 1:
            rate = next(iter(rates))
            return lambda excl: (excl * rate / 100).quantize(_CENT)
        return None

    def _vat_rate_lines(self) -> dict[Decimal, Candidate[Decimal]]:
        """The VAT amount printed per rate ("TVA 21 %    210,00"), one per rate."""
        by_rate: dict[Decimal, Candidate[Decimal]] = {}
        for hit in self.doc.hits_for("vat", "total_vat"):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            # The rate after the label ("TVA 21 %") or just before it ("19% VAT").
            before = hit.cell.text[: hit.start]
            label = hit.cell.text[hit.start : hit.end]
            head = before + label if len(before.strip()) <= 8 else label
            percentages = find_percentages(head + " " + hit.inline)
            amounts = self.doc.segment_amounts(hit)
            if not percentages or not amounts:
                continue
            amount, position, cell = amounts[-1]
            rate = percentages[0].value
            if rate not in by_rate or by_rate[rate].score < position:
                by_rate[rate] = Candidate(abs(amount.value), position, (cell,))
        return by_rate

    def _single_rate_breakdown(
        self, totals: dict[str, Candidate[Decimal] | None]
    ) -> list[VatBreakdown]:
        """One rate printed with its VAT ("BTW 21 %  123,80") and no per-rate base: the base
        is the total excl. VAT when rate x that total gives the printed VAT (to the cent,
        allowing the line-by-line rounding of a few cents), so the worklist gets its row."""
        excl, vat = totals["total_excl_vat"], totals["total_vat"]
        rates = self._vat_rate_lines()
        if excl is None or vat is None or len(rates) != 1:
            return []
        ((rate, printed),) = rates.items()
        if rate <= 0 or printed.value != abs(vat.value):
            return []
        expected = (abs(excl.value) * rate / 100).quantize(_CENT)
        if abs(expected - abs(vat.value)) > Decimal("0.05"):
            return []
        return [
            VatBreakdown(category="S", rate=rate, taxable_amount=excl.value, vat_amount=vat.value)
        ]

    def _largest_amount(self) -> Decimal | None:
        values = [
            amount.value
            for cell in self.doc.cells
            if cell.line_index not in self.doc.table_lines
            for amount in find_amounts(cell.text)
            if amount.decimals == 2
        ]
        return max(values, key=abs) if values else None

    # currency ------------------------------------------------------------------------------

    def currency(self, country_hints: list[str]) -> Candidate[str] | None:
        counts: dict[str, float] = {}
        for hit in self.doc.hits_for("currency"):
            for text, _, _ in self.doc.value_sources(hit):
                code = re.search(r"\b([A-Z]{3})\b", text.upper())
                if code and code[1] in CURRENCY_CODES:
                    counts[code[1]] = counts.get(code[1], 0) + 5
                    break
        for cell in self.doc.cells:
            for amount in find_amounts(cell.text):
                if amount.currency:
                    counts[amount.currency] = counts.get(amount.currency, 0) + 1
            for code in re.findall(r"(?<![A-Z])([A-Z]{3})(?![A-Z])", cell.text):
                if code in CURRENCY_CODES:
                    counts[code] = counts.get(code, 0) + 0.5
            if "€" in cell.text:
                counts["EUR"] = counts.get("EUR", 0) + 0.5
        if counts:
            code = max(counts, key=lambda k: counts[k])
            share = counts[code] / sum(counts.values())
            return Candidate(code, min(1.0, 0.6 + 0.4 * share))
        if any(country in EURO_COUNTRIES for country in country_hints):
            # Belgian invoices often print amounts without a currency: in the euro area the
            # amounts are euros unless stated otherwise.
            return Candidate("EUR", 0.6)
        return None

    # lines ---------------------------------------------------------------------------------

    def items(self, credit: bool) -> list[InvoiceLine]:
        # The items end where the totals start. A bare "Totaal"/"Total" is also a column
        # title, so only an explicit totals label (or one opening its cell) ends the table.
        stop = {
            hit.cell.line_index
            for hit in self.doc.hits_for("total_excl", "total_vat", "total_incl", "amount_due")
            if hit.weight >= 1.0 or (hit.at_start and hit.role != "total_incl")
        }
        table = find_items(self.doc.lines, stop)
        self.doc.table = table
        if table is None:
            return []
        self.doc.table_lines = set(table.row_line_indices) | set(table.header_line_indices)
        lines = []
        nets = [row.net_amount for row in table.rows if row.net_amount is not None]
        # A credit note printed with minus signs is reported like one printed without: its
        # amounts positive (a discount line on it then becomes negative).
        flip = credit and sum(1 for n in nets if n < 0) > len(nets) / 2
        for row in table.rows:

            def signed(value: Decimal | None) -> Decimal | None:
                return -value if (flip and value is not None) else value

            lines.append(
                InvoiceLine(
                    description=row.description,
                    quantity=signed(row.quantity),
                    unit_price=signed(row.unit_price),
                    net_amount=signed(row.net_amount),
                    vat_rate=row.vat_rate,
                    vat_category=None,
                )
            )
        return lines

    # assembly ------------------------------------------------------------------------------

    def run(self) -> Extraction:
        doc_type = self.document_type()
        credit = doc_type is not None and doc_type.value == "credit_note"
        items = self.items(credit)
        number = self.invoice_number()
        issue, due = self.dates()
        supplier, customer, customer_ids = self.supplier_and_customer_names()
        customer_ids = self._region(customer_ids)

        vat_numbers = self._vat_numbers()
        customer_vat = _best(
            [
                Candidate(item.value, 0.85, (cell,))
                for item, cell, _ in vat_numbers
                if cell.index in customer_ids
            ]
            + self._customer_vat_labelled()
        )
        supplier_vats = [
            Candidate(
                item.value,
                0.75 + (0.15 if labelled else 0) + (0.05 if cell.page == 0 else 0),
                (cell,),
            )
            for item, cell, labelled in vat_numbers
            if cell.index not in customer_ids
            and (customer_vat is None or item.value != customer_vat.value)
        ]
        if supplier is not None and supplier.cells:
            supplier_block = self.doc.block_of[supplier.cells[0].index]
            for candidate in supplier_vats:
                if self.doc.block_of[candidate.cells[0].index] == supplier_block:
                    candidate.score = min(1.0, candidate.score + 0.1)
        supplier_vat = _best(supplier_vats)

        customer_accounts = self._labelled_cells("customer_iban")
        ibans = [
            Candidate(item.value, 0.8 + (0.15 if labelled else 0), (cell,))
            for item, cell, labelled in self.ibans()
            if cell.index not in customer_ids and cell.index not in customer_accounts
        ]
        iban = _best(ibans)
        bic, reference = self.payment(iban)

        breakdown_rows = self.vat_breakdown()
        breakdown = [row for row, _ in breakdown_rows]
        totals = self.totals(items, breakdown)
        if not breakdown:
            breakdown = self._single_rate_breakdown(totals)
        if credit:
            breakdown = [
                VatBreakdown(
                    category=b.category,
                    rate=b.rate,
                    taxable_amount=abs(b.taxable_amount),
                    vat_amount=abs(b.vat_amount),
                )
                for b in breakdown
            ]

        hints = [v.value[:2] for v in (supplier_vat, iban) if v is not None]
        currency = self.currency(hints)

        if doc_type is None and (number is not None or totals["total_incl_vat"] is not None):
            doc_type = Candidate("invoice", 0.5)

        chosen: dict[str, Candidate[Any] | None] = {
            "document_type": doc_type,
            "supplier_name": supplier,
            "supplier_vat": supplier_vat,
            "customer_name": customer,
            "customer_vat": customer_vat,
            "invoice_number": number,
            "issue_date": issue,
            "due_date": due,
            "currency": currency,
            "total_excl_vat": totals["total_excl_vat"],
            "total_vat": totals["total_vat"],
            "total_incl_vat": totals["total_incl_vat"],
            "iban": iban,
            "bic": bic,
            "payment_reference": reference,
        }
        _calibrate(chosen, hints)
        confidences = {
            name: (
                round(min(1.0, candidate.score) * _ocr_factor(candidate.cells), 3)
                if candidate is not None
                else 0.0
            )
            for name, candidate in chosen.items()
        }
        values = {name: (c.value if c is not None else None) for name, c in chosen.items()}
        fields = InvoiceFields(**values)
        supplier_party = (
            Party(name=fields.supplier_name, vat=fields.supplier_vat)
            if fields.supplier_name or fields.supplier_vat
            else None
        )
        customer_party = (
            Party(name=fields.customer_name, vat=fields.customer_vat)
            if fields.customer_name or fields.customer_vat
            else None
        )
        invoice = InvoiceData(
            fields=fields,
            supplier=supplier_party,
            customer=customer_party,
            lines=tuple(items),
            vat_breakdown=tuple(breakdown),
            amount_due=None,
        )
        return Extraction(invoice=invoice, confidences=confidences)


_SUBJECT: Final = re.compile(r"^\s*(?:betreft|objet|subject|concerne|betreff|re)\s*:\s*$")
_PLACE_DATE: Final = re.compile(r"^[a-z][a-z' .-]{1,40},\s*(?:le\s*|den\s*)?\d")

_STRONG: Final = 0.92
"""Confidence of a value backed by strong, consistent evidence (see `_calibrate`); on the
real development set such values were right in 98 % or more of cases."""


def _calibrate(chosen: dict[str, Candidate[Any] | None], country_hints: list[str]) -> None:
    """Raise to `_STRONG` the confidence of values whose evidence is strong and consistent
    with the other fields; everything else keeps its (lower) score and goes to review."""

    def lift(name: str) -> None:
        candidate = chosen[name]
        if candidate is not None:
            candidate.score = max(candidate.score, _STRONG)

    issue, due = chosen["issue_date"], chosen["due_date"]
    dates_agree = issue is None or due is None or due.value >= issue.value
    number = chosen["invoice_number"]
    if number is not None and number.strong:
        lift("invoice_number")
    if issue is not None and issue.strong and dates_agree:
        lift("issue_date")
    if due is not None and due.strong and issue is not None and dates_agree:
        lift("due_date")
    supplier = chosen["supplier_name"]
    if supplier is not None and supplier.strong:
        lift("supplier_name")
    currency = chosen["currency"]
    if (
        currency is not None
        and currency.value == "EUR"
        and len(country_hints) == 2
        and all(country in EURO_COUNTRIES for country in country_hints)
    ):
        lift("currency")  # a euro-area seller paid to a euro-area account


def extract_invoice(pages: list[Page], lines: list[Line], cells: list[Cell]) -> Extraction:
    """Invoice fields and per-field confidences from the page structure."""
    return _Extractor(_Document(pages, lines, cells)).run()
