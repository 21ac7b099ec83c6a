"""Words with positions, grouped into lines and cells: the common ground of PDF text and OCR.

Both readers (the PDF text layer and Tesseract) produce words with boxes. The extraction works
on a coarser structure that survives differences between them:

* a `Line` is the words of one page whose vertical centres line up;
* a `Cell` is a run of words in a line without a wide gap; a wide gap separates a label from
  its value in a two-column layout, or the columns of a table.

Coordinates are PDF points (1/72 inch) with the origin at the top-left of the page, y growing
downwards; OCR pixel boxes are scaled to points so that the same thresholds apply.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from statistics import median

from recognition.domain.amounts_dates import fold

__all__ = ["Cell", "Line", "Page", "Word", "build_pages"]


@dataclass(frozen=True, slots=True)
class Word:
    """One word as read: its text, box in points, page index, font size in points (for OCR
    the height of its text line) and reading confidence 0-1 (1 for a PDF text layer)."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    size: float
    confidence: float = 1.0

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Cell:
    """Consecutive words of one line with no column-sized gap between them."""

    words: list[Word]
    line_index: int
    index: int
    text: str = ""
    folded: str = ""
    x0: float = 0.0
    x1: float = 0.0
    top: float = 0.0
    bottom: float = 0.0
    size: float = 0.0
    page: int = 0
    confidence: float = 1.0

    def finish(self) -> "Cell":
        self.text = " ".join(word.text for word in self.words)
        self.folded = fold(self.text)
        self.x0 = min(word.x0 for word in self.words)
        self.x1 = max(word.x1 for word in self.words)
        self.top = min(word.top for word in self.words)
        self.bottom = max(word.bottom for word in self.words)
        self.size = max(word.size for word in self.words)
        self.page = self.words[0].page
        self.confidence = min(word.confidence for word in self.words)
        return self

    @property
    def centre_x(self) -> float:
        return (self.x0 + self.x1) / 2

    def char_offsets(self) -> list[tuple[int, int]]:
        """The span of each word in `text`, for mapping a regex match back to words."""
        spans = []
        position = 0
        for word in self.words:
            spans.append((position, position + len(word.text)))
            position += len(word.text) + 1
        return spans


@dataclass(slots=True)
class Line:
    """The words of one page at one height, left to right, split into cells."""

    words: list[Word]
    page: int
    index: int = 0
    cells: list[Cell] = field(default_factory=list)
    top: float = 0.0
    bottom: float = 0.0
    text: str = ""
    folded: str = ""

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(slots=True)
class Page:
    index: int
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)


def _group_lines(words: Sequence[Word]) -> list[list[Word]]:
    """Words whose vertical centres are within half a (typical) word height of each other."""
    ordered = sorted(words, key=lambda w: ((w.top + w.bottom) / 2, w.x0))
    lines: list[list[Word]] = []
    current: list[Word] = []
    current_centre = 0.0
    current_height = 0.0
    for word in ordered:
        centre = (word.top + word.bottom) / 2
        height = max(word.height, 1.0)
        if current and abs(centre - current_centre) <= 0.45 * max(min(height, current_height), 1.0):
            current.append(word)
            # A running mean keeps a long line from drifting with one tall word.
            current_centre += (centre - current_centre) / len(current)
            current_height = max(current_height, height)
        else:
            if current:
                lines.append(current)
            current = [word]
            current_centre = centre
            current_height = height
    if current:
        lines.append(current)
    return lines


def _split_cells(words: list[Word], line_index: int, first_index: int) -> list[Cell]:
    """Split a line where the gap between two words is wider than a column gap: about one
    font size (a normal space is a quarter to a third of it)."""
    cells: list[Cell] = []
    current: list[Word] = [words[0]]
    for previous, word in pairwise(words):
        gap = word.x0 - previous.x1
        size = max(min(previous.size, word.size), 1.0)
        if gap > 0.9 * size:
            cells.append(Cell(current, line_index, first_index + len(cells)).finish())
            current = [word]
        else:
            current.append(word)
    cells.append(Cell(current, line_index, first_index + len(cells)).finish())
    return cells


def build_pages(
    words: Iterable[Word], page_sizes: Sequence[tuple[float, float]]
) -> tuple[list[Page], list[Line], list[Cell]]:
    """Lines and cells of every page, in reading order (page, top to bottom, left to right)."""
    by_page: dict[int, list[Word]] = {}
    for word in words:
        if word.text:
            by_page.setdefault(word.page, []).append(word)
    pages = [Page(index, width, height) for index, (width, height) in enumerate(page_sizes)]
    all_lines: list[Line] = []
    all_cells: list[Cell] = []
    for page in pages:
        for group in _group_lines(by_page.get(page.index, [])):
            group.sort(key=lambda w: w.x0)
            line = Line(words=group, page=page.index, index=len(all_lines))
            line.cells = _split_cells(group, line.index, len(all_cells))
            line.top = median(w.top for w in group)
            line.bottom = median(w.bottom for w in group)
            line.text = "   ".join(cell.text for cell in line.cells)
            line.folded = fold(line.text)
            page.lines.append(line)
            all_lines.append(line)
            all_cells.extend(line.cells)
    return pages, all_lines, all_cells
