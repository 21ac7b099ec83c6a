"""The active clients monitor's rules: a document's state from events in any order, the sync
status, the oldest open period."""

from datetime import UTC, datetime, timedelta

import pytest
from sync.domain.monitor import (
    Deleted,
    DocumentState,
    Failed,
    Posted,
    Received,
    StatusSet,
    Submitted,
    Unbooked,
    Validated,
    apply,
    change_for_status,
    oldest_open_period,
    sync_status,
)

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def run(*changes: object) -> DocumentState:
    state = None
    for change in changes:
        state = apply(state, change)  # type: ignore[arg-type]
    assert state is not None
    return state


def test_a_document_goes_from_the_portal_to_the_worklist_to_the_books() -> None:
    assert run(Received(at(0))).stage == "portal"
    state = run(Received(at(0)), Submitted(at(5)))
    assert (state.stage, state.worklist_status) == ("worklist", "to_validate")
    state = run(Received(at(0)), Submitted(at(5)), Validated(at(9)))
    assert (state.stage, state.worklist_status) == ("validated", None)
    state = run(Received(at(0)), Submitted(at(5)), Validated(at(9)), Posted(at(10)))
    assert (state.stage, state.posted_at, state.received_at) == ("posted", at(10), at(0))


def test_late_events_never_move_a_document_back() -> None:
    # The document.received of a document already submitted (another topic, another order).
    state = run(Submitted(at(5)), Received(at(0)))
    assert (state.stage, state.received_at) == ("worklist", at(0))
    # A submission delivered after the posting.
    state = run(Posted(at(10)), Submitted(at(5)), Received(at(0)))
    assert state.stage == "posted"
    # A refusal older than the successful posting does not undo it.
    state = run(
        Received(at(0)),
        Submitted(at(1)),
        Validated(at(2)),
        Posted(at(9)),
        Failed(at(4), "x", False),
    )
    assert state.stage == "posted" and not state.failed


def test_a_refused_booking_goes_back_to_the_worklist_until_validated_again() -> None:
    state = run(
        Received(at(0)), Submitted(at(1)), Validated(at(2)), Failed(at(3), "closed period", False)
    )
    assert (state.stage, state.worklist_status, state.failed) == ("worklist", "to_validate", True)
    assert state.failure_reason == "closed period"
    state = apply(state, Validated(at(7)))
    assert (state.stage, state.failed) == ("validated", False)
    state = apply(state, Posted(at(8)))
    assert state.stage == "posted"


def test_worklist_statuses_follow_the_newest_status_event() -> None:
    state = run(Submitted(at(1)), StatusSet("on_hold", at(3)), StatusSet("checked", at(2)))
    assert state.worklist_status == "on_hold"
    state = apply(state, StatusSet("help_asked", at(4)))
    assert state.worklist_status == "help_asked"
    assert apply(apply(state, Validated(at(5))), StatusSet("checked", at(6))).stage == "validated"


def test_the_worklists_statuses_map_onto_the_monitors_columns() -> None:
    assert change_for_status("checked_suspense", at(1)) == StatusSet("checked", at(1))
    assert change_for_status("ok_duplicate", at(1)) == StatusSet("to_validate", at(1))
    assert change_for_status("on_hold", at(1)) == StatusSet("on_hold", at(1))
    assert change_for_status("help_asked", at(1)) == StatusSet("help_asked", at(1))
    assert change_for_status("deleted", at(1)) == Deleted(at(1))
    # Sent and booked have their own events (proposal.validated, booking.posted).
    assert change_for_status("sent", at(1)) is None
    assert change_for_status("booked", at(1)) is None


def test_a_deleted_proposal_leaves_the_counts_unless_it_was_sent() -> None:
    state = run(Received(at(0)), Submitted(at(1)), StatusSet("checked", at(2)), Deleted(at(3)))
    assert (state.stage, state.worklist_status) == ("deleted", None)
    # A late status event or submission does not bring it back.
    assert apply(state, StatusSet("on_hold", at(2))).stage == "deleted"
    assert apply(state, Submitted(at(1))).stage == "deleted"
    sent = run(Submitted(at(1)), Validated(at(2)), Deleted(at(3)))
    assert sent.stage == "validated"


@pytest.mark.parametrize(
    ("failed", "retryable", "waiting", "sync_failed", "expected"),
    [
        (0, 0, 0, False, "ok"),
        (2, 0, 0, False, "failed_office_action"),
        (0, 0, 0, True, "failed_office_action"),
        (0, 0, 1, False, "failed_support"),
        (1, 1, 0, False, "failed_support"),
        (3, 0, 2, True, "failed_support"),
    ],
)
def test_sync_status(
    failed: int, retryable: int, waiting: int, sync_failed: bool, expected: str
) -> None:
    assert (
        sync_status(
            failed_bookings=failed,
            failed_bookings_retryable=retryable,
            postings_waiting_for_package=waiting,
            last_sync_failed=sync_failed,
        )
        == expected
    )


def test_oldest_open_period() -> None:
    assert (
        oldest_open_period([("2026-01", "closed"), ("2026-03", "open"), ("2026-02", "open")])
        == "2026-02"
    )
    assert oldest_open_period([("2026-01", "closed")]) is None


def test_a_booking_deleted_from_the_books_is_to_validate_again_and_no_longer_posted() -> None:
    posted = run(Submitted(at(1)), Validated(at(2)), Posted(at(3)))
    state = apply(posted, Unbooked(at(4)))
    assert (state.stage, state.worklist_status, state.posted_at) == (
        "worklist",
        "to_validate",
        None,
    )
    # The worklist's own status change after it counts; sent and booked again moves it on.
    assert apply(state, StatusSet("checked", at(5))).worklist_status == "checked"
    again = run(Submitted(at(1)), Validated(at(2)), Posted(at(3)), Unbooked(at(4)), Posted(at(6)))
    assert (again.stage, again.posted_at) == ("posted", at(6))
    # Told twice, or about a document that was never posted: nothing changes.
    assert apply(state, Unbooked(at(4))) == state
    in_worklist = run(Submitted(at(1)), StatusSet("checked", at(2)))
    assert apply(in_worklist, Unbooked(at(3))) == in_worklist
