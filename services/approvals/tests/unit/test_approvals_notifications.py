"""Approvers are e-mailed what waits for them, batched at most once per hour."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

from approvals.domain.notifications import Waiting, due_digests

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
DOSSIER = uuid4()


def waiting(approver: str, minutes_ago: int, amount: str = "100.00") -> Waiting:
    return Waiting(
        approver, "invoice", uuid4(), DOSSIER, "Bakkerij Peeters", "Supplier X",
        Decimal(amount), NOW - timedelta(minutes=minutes_ago),
    )  # fmt: skip


def test_a_first_digest_lists_everything_that_waits() -> None:
    items = [waiting("a@x.example", 5), waiting("a@x.example", 50), waiting("b@x.example", 1)]
    digests = due_digests(items, {}, NOW)
    assert [(d.approver, len(d.items)) for d in digests] == [("a@x.example", 2), ("b@x.example", 1)]
    assert digests[0].items[0].created_at < digests[0].items[1].created_at
    assert digests[0].subject == "2 approvals waiting for you"
    body = digests[0].body("http://portal.example")
    assert "invoice from Supplier X EUR 100.00 (Bakkerij Peeters)" in body
    assert "http://portal.example" in body


def test_at_most_one_mail_per_hour_and_only_when_something_is_new() -> None:
    last = {"a@x.example": NOW - timedelta(minutes=30)}
    assert due_digests([waiting("a@x.example", 10)], last, NOW) == []  # batched until later
    an_hour = {"a@x.example": NOW - timedelta(minutes=61)}
    assert len(due_digests([waiting("a@x.example", 10)], an_hour, NOW)) == 1
    nothing_new = [waiting("a@x.example", 90)]
    assert due_digests(nothing_new, an_hour, NOW) == []  # told already, no reminder
    assert due_digests([], {}, NOW) == []
