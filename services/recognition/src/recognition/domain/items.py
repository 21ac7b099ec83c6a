"""Invoice lines: a table under a header row, or a list of "2 x Product ... 25,00" lines.

A table is found by its header row: a line whose cells read like column titles
(description, quantity, unit price, VAT rate, amount) in Dutch, French or English. Each
following cell is put in the column whose header it overlaps most (numbers are right-aligned
under their header, descriptions left-aligned), until the totals start. A row without an
amount continues the previous row's description. Without a header, lines that start with a
quantity and "x" and end with an amount are read as items.

Whether the lines are right is decided by the caller with arithmetic (quantity x price =
amount per line, the amounts adding up to the total excl. VAT).
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Final

from recognition.domain.amounts_dates import find_amounts, find_dates, find_percentages, fold
from recognition.domain.layout import Cell, Line

__all__ = ["ItemRow", "ItemTable", "find_items"]

_HEADER_VOCABULARY: Final[list[tuple[str, re.Pattern[str]]]] = [
    (kind, re.compile(rf"^(?:{pattern})(?![a-z])"))
    for kind, pattern in [
        ("price", r"(?:vk|ek|stuck|e)\s*-?\s*preis|prijs\s*(?:/|per)\s*(?:eenheid|stuk)|e\.?\s?p\.?|prix\s+unit\w*\.?|p\.?\s?u\.?(?:\s+h\.?t\.?)?|unit\s+(?:price|cost)|price|rate|einzelpreis|prijs|prix"),
        ("vat", r"btw\s*-?\s*(?:%|tarief|voet)?|%\s*(?:btw|tva|vat)|taux(?:\s+(?:de\s+)?tva)?|tva\s*%?|vat\s*(?:%|rate)?|tax\s*%?|tarief|mwst\.?\s*%?|%"),
        ("amount", r"(?:totaal|total|bedrag|montant|amount|prix\s+total|line\s+total|net(?:to)?|subtotal|betrag|zeilen\s*-?\s*betrag|gesamt(?:\s*-?\s*preis|betrag)?|summe)(?:\s*(?:excl\.?|ht|htva|h\.t\.|net|\(\w+\)|eur|€)\.?)*"),
        ("quantity", r"aantal|hoeveelheid|aant\.?|qty\.?|quantity|quantite|qte\.?|nombre|nbr?\.?|units?|uren|heures|hours|hrs|menge|anzahl|st\.?|pcs"),
        ("description", r"omschrijving|beschrijving|artikel|product|dienst|prestatie|description|designation|libelle|article|produit|prestation|items?|details?|service|omschr\.?|bezeichnung|beschreibung|leistung"),
    ]
]  # fmt: skip

_QUANTITY_RE: Final = re.compile(r"(?<![\w.,])(\d+(?:[.,]\d+)?)(?![\d])")
_LIST_ITEM_RE: Final = re.compile(
    r"^\s*(\d+(?:[.,]\d+)?)\s*(?:x|×|st\.?|pcs?\.?|stuks?)\s+(.*)$", re.I
)
_DOT_LEADERS: Final = re.compile(r"\s*(?:\.{2,}|…+|_{2,})\s*")
_PRICE_MARKER: Final = re.compile(r"(?:@|\ba\b|\bà\b|\baan\b|\bx\b|\bper\b)\s*$", re.I)


@dataclass(slots=True)
class ItemRow:
    description: str | None
    quantity: Decimal | None
    unit_price: Decimal | None
    net_amount: Decimal | None
    vat_rate: Decimal | None
    line_indices: list[int] = field(default_factory=list)


@dataclass(slots=True)
class ItemTable:
    rows: list[ItemRow]
    header_line_indices: list[int]
    row_line_indices: set[int]


@dataclass(slots=True)
class _Column:
    kind: str
    x0: float
    x1: float


def _classify(text: str) -> str | None:
    text = text.strip(" :.")
    for kind, pattern in _HEADER_VOCABULARY:
        match = pattern.match(text)
        if match is not None and match.end() >= len(text.rstrip(" :.")):
            return kind
    return None


def _cell_columns(cell: Cell) -> list[_Column]:
    """The columns one header cell stands for: usually one, but narrow columns printed
    close together ("Aantal Omschrijving") come out of the PDF as one cell."""
    whole = _classify(cell.folded)
    if whole is not None:
        return [_Column(whole, cell.x0, cell.x1)]
    words = cell.words
    columns: list[_Column] = []
    i = 0
    while i < len(words):
        for j in range(min(len(words), i + 4), i, -1):
            kind = _classify(fold(" ".join(w.text for w in words[i:j])))
            if kind is not None:
                columns.append(_Column(kind, words[i].x0, words[j - 1].x1))
                i = j
                break
        else:
            # A word no column name covers ("HT" after "Prix unitaire"): part of the
            # column before it, or a column of its own.
            if columns:
                columns[-1].x1 = words[i].x1
            else:
                columns.append(_Column("other", words[i].x0, words[i].x1))
            i += 1
    return columns


def _header_columns(line: Line) -> list[_Column] | None:
    columns: list[_Column] = []
    for cell in line.cells:
        if len(cell.words) > 6 or find_amounts(cell.text) or find_dates(cell.text):
            return None
        columns.extend(_cell_columns(cell))
    kinds = {column.kind for column in columns} - {"other"}
    if len(kinds) >= 3 and ("amount" in kinds or "price" in kinds):
        return columns
    return None


def _column_of(cell: Cell, columns: list[_Column]) -> _Column:
    def overlap(column: _Column) -> float:
        return min(cell.x1, column.x1 + 2) - max(cell.x0, column.x0 - 2)

    best = max(columns, key=overlap)
    if overlap(best) > 0:
        return best
    centre = cell.centre_x
    return min(columns, key=lambda c: min(abs(centre - c.x0), abs(centre - c.x1)))


def _decimal(text: str) -> Decimal | None:
    match = _QUANTITY_RE.search(text.replace(" ", ""))
    if match is None:
        return None
    try:
        return Decimal(match[1].replace(",", "."))
    except InvalidOperation:
        return None


def _last_amount(text: str) -> Decimal | None:
    amounts = [a for a in find_amounts(text)]
    return amounts[-1].value if amounts else None


def _row_from_cells(cells: list[Cell], columns: list[_Column]) -> ItemRow:
    texts: dict[str, list[str]] = {}
    for cell in cells:
        texts.setdefault(_column_of(cell, columns).kind, []).append(cell.text)
    joined = {kind: " ".join(parts) for kind, parts in texts.items()}
    net = _last_amount(joined.get("amount", ""))
    price = _last_amount(joined.get("price", ""))
    vat_text = joined.get("vat", "")
    percentages = find_percentages(vat_text)
    vat_rate = percentages[0].value if percentages else _decimal(vat_text)
    quantity = _decimal(joined.get("quantity", ""))
    description = joined.get("description")
    return ItemRow(
        description=_DOT_LEADERS.sub(" ", description).strip() if description else None,
        quantity=quantity,
        unit_price=price,
        net_amount=net,
        vat_rate=vat_rate,
    )


_FOOTER_BAND: Final = 0.88
"""Share of the page height below which a page footer (company details) is printed."""


def _table_items(
    lines: list[Line], stop: set[int], page_heights: Sequence[float] = ()
) -> ItemTable | None:
    rows: list[ItemRow] = []
    header_indices: list[int] = []
    row_indices: set[int] = set()
    columns: list[_Column] | None = None
    previous_bottom = 0.0
    page = -1
    for line in lines:
        header = _header_columns(line)
        if header is not None:
            columns, page, previous_bottom = header, line.page, line.bottom
            header_indices.append(line.index)
            continue
        if columns is None:
            continue
        if line.index in stop and line.index - 1 in header_indices and not find_amounts(line.text):
            # A column title on two lines ("Ohne" over "Ohne MwSt."): part of the header.
            header_indices.append(line.index)
            continue
        if line.page != page or line.index in stop:
            columns = None
            continue
        if line.top - previous_bottom > 4 * max(line.height, 6.0):
            columns = None
            continue
        row = _row_from_cells(line.cells, columns)
        if (
            row.net_amount is None
            and line.page < len(page_heights)
            and line.top > _FOOTER_BAND * page_heights[line.page]
            and line.top - previous_bottom > 1.2 * max(line.height, 6.0)
        ):
            # The page's footer under the last row of a table continued on the next page.
            columns = None
            continue
        row.line_indices.append(line.index)
        row_indices.add(line.index)
        previous_bottom = line.bottom
        if row.net_amount is not None:
            rows.append(row)
        elif rows and row.description and row.quantity is None and row.unit_price is None:
            # A wrapped description: the second line of the row above.
            last = rows[-1]
            last.description = f"{last.description or ''} {row.description}".strip()
            last.line_indices.append(line.index)
    if not rows:
        return None
    return ItemTable(rows, header_indices, row_indices)


def _list_items(lines: list[Line], stop: set[int]) -> ItemTable | None:
    rows: list[ItemRow] = []
    indices: set[int] = set()
    for line in lines:
        if line.index in stop:
            continue
        match = _LIST_ITEM_RE.match(line.text)
        if match is None:
            continue
        rest = match[2]
        amounts = find_amounts(rest)
        if not amounts:
            continue
        net = amounts[-1]
        price = None
        if len(amounts) >= 2 and _PRICE_MARKER.search(rest[: amounts[-2].start]):
            price = amounts[-2]
        description_end = (price or net).start
        description = _PRICE_MARKER.sub("", rest[:description_end])
        description = _DOT_LEADERS.sub(" ", description).strip(" .:-")
        rows.append(
            ItemRow(
                description=description or None,
                quantity=Decimal(match[1].replace(",", ".")),
                unit_price=price.value if price else None,
                net_amount=net.value,
                vat_rate=(p[-1].value if (p := find_percentages(rest)) else None),
                line_indices=[line.index],
            )
        )
        indices.add(line.index)
    return ItemTable(rows, [], indices) if rows else None


def find_items(
    lines: list[Line], stop: set[int], page_heights: Sequence[float] = ()
) -> ItemTable | None:
    """The invoice lines; `stop` holds the indices of lines that end a table (totals),
    `page_heights` (points, per page) let a table end where the page's footer starts."""
    return _table_items(lines, stop, page_heights) or _list_items(lines, stop)
