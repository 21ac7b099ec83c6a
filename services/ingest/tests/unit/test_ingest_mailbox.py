"""Mailbox rules: the cursor of a page, labels, and what may be deleted."""

import uuid
from decimal import Decimal

import pytest
from ingest.domain.mailbox import (
    BadCursor,
    BadLabel,
    Box,
    Cursor,
    Order,
    PaymentFilter,
    SortColumn,
    amount_range_problem,
    box_condition,
    cursor_value,
    deletion_refusal,
    with_labels,
    without_label,
)


def test_each_box_holds_a_status_and_the_mailboxes_a_mailbox() -> None:
    assert box_condition(Box.PURCHASE) == (("in_mailbox",), "purchase")
    assert box_condition(Box.MISC) == (("in_mailbox",), "misc")
    assert box_condition(Box.IN_PROCESSING) == (("in_processing",), None)
    # the sources of merges and splits are kept in the archive with the booked documents
    assert box_condition(Box.ARCHIVE) == (("booked", "archived"), None)


def test_a_cursor_round_trips_and_belongs_to_its_sort() -> None:
    cursor = Cursor(SortColumn.TOTAL, Order.ASC, "1210.00", uuid.uuid4())
    assert Cursor.decode(cursor.encode(), SortColumn.TOTAL, Order.ASC) == cursor
    empty = Cursor(SortColumn.COUNTERPARTY, Order.DESC, None, uuid.uuid4())
    assert Cursor.decode(empty.encode(), SortColumn.COUNTERPARTY, Order.DESC) == empty
    with pytest.raises(BadCursor, match="belongs to the sort total asc"):
        Cursor.decode(cursor.encode(), SortColumn.TOTAL, Order.DESC)
    with pytest.raises(BadCursor, match="not valid"):
        Cursor.decode("bm90IGpzb24", SortColumn.TOTAL, Order.ASC)


def test_cursor_values_are_text_the_database_reads_back() -> None:
    from datetime import UTC, datetime
    from decimal import Decimal

    assert cursor_value(None) is None
    assert cursor_value(True) == "true"
    assert cursor_value(Decimal("10.50")) == "10.50"
    assert cursor_value(datetime(2026, 11, 30, 9, 0, tzinfo=UTC)) == "2026-11-30T09:00:00+00:00"


def test_labels_are_added_once_without_regard_to_case_and_removed_the_same_way() -> None:
    labels = with_labels(["Project 2"], ["project 2", "  Kantoor   Gent ", "Project 3"])
    assert labels == ["Project 2", "Kantoor Gent", "Project 3"]
    assert without_label(labels, "KANTOOR GENT") == ["Project 2", "Project 3"]
    with pytest.raises(BadLabel, match="cannot be empty"):
        with_labels([], ["   "])
    with pytest.raises(BadLabel, match="longer than 60"):
        with_labels([], ["x" * 61])
    with pytest.raises(BadLabel, match="at most 50 labels"):
        with_labels([], [f"l{i}" for i in range(51)])


@pytest.mark.parametrize(
    ("status", "approval", "refused"),
    [
        ("in_mailbox", None, None),
        ("in_mailbox", "pending", None),
        ("in_mailbox", "rejected", None),
        ("in_processing", None, "sent to the office"),
        ("in_processing", "approved", "sent to the office"),
        ("in_processing", "rejected", None),  # auto-forwarded, then rejected: may go
        ("booked", None, "booked"),
        ("booked", "rejected", "booked"),
    ],
)
def test_only_mailbox_documents_and_rejected_invoices_may_be_deleted(
    status: str, approval: str | None, refused: str | None
) -> None:
    reason = deletion_refusal(status, approval)
    assert (reason is None) == (refused is None)
    if refused:
        assert refused in str(reason)


def test_an_amount_range_must_be_in_order() -> None:
    assert amount_range_problem(None, None) is None
    assert amount_range_problem(Decimal("100"), None) is None
    assert amount_range_problem(Decimal("-50"), Decimal("100.00")) is None  # credit notes
    assert amount_range_problem(Decimal("100"), Decimal("100")) is None
    assert amount_range_problem(Decimal("100.01"), Decimal("100")) == (
        "amount_min (100.01) is above amount_max (100)"
    )
    assert amount_range_problem(Decimal("NaN"), None) == "amount_min must be a number"


def test_the_payment_filter_knows_payments_statuses() -> None:
    # The values payments' events carry (payment.queued.v1's status, settled: paid), and none.
    assert {value.value for value in PaymentFilter} == {
        "none",
        "in_basket",
        "in_processing",
        "paid",
    }
