"""The shared core of the text extractor: the page's structure and the candidates.

`Document` is the page as the field families see it: lines and cells (`layout`), the labels
recognised in every cell (`labels`), blocks of cells stacked with the same alignment (an
address, a list of payment details), the items table, and where a label's value may be
(inline after it, in the cell to its right, in the cell under it). `Candidate` is a value
with its score and the cells it was read from; `_best` picks the highest score, merging the
same value found several times.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Generic, TypeVar

from ledgerline.events.invoice import (
    InvoiceData,
)

from recognition.domain.amounts_dates import (
    AmountMatch,
    find_amounts,
    numeric_date_evidence,
)
from recognition.domain.items import ItemTable
from recognition.domain.labels import (
    LabelHit,
    find_label_hits,
    is_credit_word,
)
from recognition.domain.layout import Cell, Line, Page

__all__ = ["EURO_COUNTRIES", "Candidate", "Document", "Extraction"]

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


DECORATION: Final = re.compile(
    r"^[\s(]*(?:\d{1,2}(?:[.,]\d{1,2})?\s?%|eur|€|[a-z]{3}|n[o°]|#)?[\s):.]*$", re.I
)


def is_decoration(text: str) -> bool:
    """Text after a label that is part of the label ("21 %", "(EUR)", "n°"), not a value."""
    return bool(DECORATION.match(text))


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


class Document:
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
        # Set once the document type is known: on a credit note, "Facture F-17 du 12/02"
        # names the invoice it credits, not the document itself.
        self.credit_note = False
        self.table: ItemTable | None = None
        self.table_lines: set[int] = set()
        # The day/month order is the document's, not each date's (11/03 and 11/17 together).
        month_only, day_only = numeric_date_evidence(line.text for line in lines)
        self.month_first = month_only and not day_only
        # No numeric date tells the order (all read either way, 03/04/2024).
        self.date_order_open = not (month_only or day_only)

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
        if below and hit.at_start and is_decoration(hit.inline):
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

    def names_other_document(self, hit: LabelHit) -> bool:
        """An invoice title word on a credit note: the credited invoice ("Concerne facture
        F-2024-0031 du 12 février 2024"), whose number and date are not the note's."""
        return (
            self.credit_note
            and hit.role == "doc_title"
            and not is_credit_word(hit.cell.folded[hit.start : hit.end])
        )


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


def _unanimous(best: Candidate[T] | None, candidates: list[Candidate[T]]) -> Candidate[T] | None:
    """`best`, no longer strong when another labelled candidate names a different value."""
    if (
        best is not None
        and best.strong
        and any(c.value != best.value and c.score >= 0.7 for c in candidates)
    ):
        best.strong = False
    return best
