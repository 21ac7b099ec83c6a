"""One way for every service to page, sort and export a list over HTTP.

- Pagination: `limit` and `offset` query parameters (`Paging`), answered with the total count
  and the next offset (`page`), so a client knows how many rows match its filters.
- Sorting: a `sort` query parameter naming one allowed field, `-field` for descending
  (`parse_sort`); ties are broken by the caller's stable key so pages never overlap.
- CSV: `Accept: text/csv` answers the same rows as a CSV file (`wants_csv`, `csv_response`);
  the CSV holds every matching row, not one page, because an export is meant to be complete.
"""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

from fastapi import HTTPException, Query, Response, status
from pydantic import BaseModel, Field

CSV_MEDIA_TYPE = "text/csv"
T = TypeVar("T")


@dataclass(frozen=True)
class Paging:
    limit: int
    offset: int


async def paging(
    limit: Annotated[int, Query(ge=1, le=1000, description="Rows per page")] = 100,
    offset: Annotated[int, Query(ge=0, description="Rows to skip")] = 0,
) -> Paging:
    """FastAPI dependency: `Depends(paging)`."""
    return Paging(limit=limit, offset=offset)


class PageInfo(BaseModel):
    total: int = Field(description="Rows matching the filters, over all pages")
    limit: int
    offset: int
    next_offset: int | None = Field(
        default=None, description="Offset of the next page; null (or absent) on the last"
    )


def page(rows: Sequence[T], paging: Paging) -> tuple[list[T], PageInfo]:
    """One page of already filtered and sorted rows, with the counts."""
    chunk = list(rows[paging.offset : paging.offset + paging.limit])
    following = paging.offset + paging.limit
    return chunk, PageInfo(
        total=len(rows),
        limit=paging.limit,
        offset=paging.offset,
        next_offset=following if following < len(rows) else None,
    )


class Page(BaseModel, Generic[T]):
    items: list[T]
    page: PageInfo


@dataclass(frozen=True)
class Sort:
    field: str
    descending: bool


def parse_sort(value: str | None, allowed: Iterable[str], default: str) -> Sort:
    """`field` or `-field`; a field not in `allowed` is a 422 naming the allowed ones."""
    text = value or default
    descending = text.startswith("-")
    name = text.removeprefix("-")
    fields = sorted(allowed)
    if name not in fields:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"sort: {name!r} is not a field to sort on; one of {', '.join(fields)} "
            "(prefix - for descending)",
        )
    return Sort(field=name, descending=descending)


def sort_rows(
    rows: Iterable[T], sort: Sort, value: Callable[[T, str], Any], tie: Callable[[T], Any]
) -> list[T]:
    """Sorted on the field, empty values last in both directions, ties by `tie` ascending."""
    ordered = sorted(rows, key=tie)
    present = [row for row in ordered if value(row, sort.field) is not None]
    missing = [row for row in ordered if value(row, sort.field) is None]
    # sorted() is stable: the tie order survives within equal values.
    present.sort(key=lambda row: value(row, sort.field), reverse=sort.descending)
    return present + missing


def wants_csv(accept: str | None) -> bool:
    return accept is not None and CSV_MEDIA_TYPE in accept.lower()


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(["" if cell is None else cell for cell in row] for row in rows)
    return buffer.getvalue()


def csv_response(
    header: Sequence[str], rows: Iterable[Sequence[object]], filename: str
) -> Response:
    return Response(
        csv_text(header, rows),
        media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def csv_content(example: str) -> dict[str, Any]:
    """The `text/csv` entry of a 200 response's `content`, with its example."""
    return {CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": example}}
