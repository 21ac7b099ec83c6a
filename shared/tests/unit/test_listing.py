"""The shared way to page, sort and export lists."""

import pytest
from fastapi import HTTPException
from ledgerline.listing import Paging, csv_text, page, parse_sort, sort_rows, wants_csv


def test_a_page_tells_the_total_and_the_next_offset() -> None:
    rows = list(range(25))
    first, info = page(rows, Paging(limit=10, offset=0))
    assert first == list(range(10))
    assert (info.total, info.next_offset) == (25, 10)
    last, info = page(rows, Paging(limit=10, offset=20))
    assert last == [20, 21, 22, 23, 24]
    assert info.next_offset is None
    beyond, info = page(rows, Paging(limit=10, offset=40))
    assert beyond == [] and info.total == 25


def test_sorting_keeps_ties_in_key_order_and_empty_values_last() -> None:
    rows = [("b", 2), ("a", 2), ("c", None), ("d", 1)]
    value = lambda row, field: row[1]  # noqa: E731
    tie = lambda row: row[0]  # noqa: E731
    assert sort_rows(rows, parse_sort("amount", {"amount"}, "amount"), value, tie) == [
        ("d", 1),
        ("a", 2),
        ("b", 2),
        ("c", None),
    ]
    assert sort_rows(rows, parse_sort("-amount", {"amount"}, "amount"), value, tie) == [
        ("a", 2),
        ("b", 2),
        ("d", 1),
        ("c", None),
    ]


def test_an_unknown_sort_field_is_a_422_naming_the_allowed_ones() -> None:
    with pytest.raises(HTTPException) as refused:
        parse_sort("-price", {"amount", "date"}, "date")
    assert refused.value.status_code == 422
    assert "'price'" in refused.value.detail and "amount, date" in refused.value.detail


def test_csv_is_asked_with_the_accept_header_and_written_with_crlf() -> None:
    assert wants_csv("text/csv") and wants_csv("Text/CSV; q=1")
    assert not wants_csv(None) and not wants_csv("application/json")
    assert csv_text(["a", "b"], [[1, None], ["x,y", 2]]) == 'a,b\r\n1,\r\n"x,y",2\r\n'
