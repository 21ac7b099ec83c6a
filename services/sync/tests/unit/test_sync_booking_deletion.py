"""Deleting a booking sync posted: what a request does given the posting's status, which
answers of an external connector change the posting, and the ledger delta of a deletion."""

import uuid
from datetime import date

import pytest
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.deletion import (
    NotDeletable,
    delete_failed_applies,
    deleted_answer_applies,
    deletion_action,
    deletion_delta,
)

PROPOSAL = uuid.uuid4()
BOOKED = ("CFAAN", "26000214")


@pytest.mark.parametrize(
    ("status", "route", "action"),
    [
        ("posted", "in_process", "delete"),
        ("posted", "kafka", "request"),
        ("deleted", "in_process", "answer_deleted"),  # twice is once
        ("deleted", "kafka", "answer_deleted"),
        ("delete_requested", "kafka", "pending"),  # the connector has not answered: not again
    ],
)
def test_only_a_posted_booking_is_deleted_and_only_once(
    status: str, route: str, action: str
) -> None:
    assert deletion_action(PROPOSAL, status, route) == action  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "http_status", "reason"),
    [
        (None, 404, f"proposal {PROPOSAL} has no booking posted through the platform"),
        ("failed", 404, f"proposal {PROPOSAL} has no booking posted through the platform"),
        ("requested", 409, "is on its way to the books (requested)"),
        ("connector_unavailable", 409, "is on its way to the books (connector_unavailable)"),
    ],
)
def test_what_is_not_a_booking_yet_cannot_be_deleted(
    status: str | None, http_status: int, reason: str
) -> None:
    with pytest.raises(NotDeletable) as refused:
        deletion_action(PROPOSAL, status, "in_process")
    assert refused.value.status == http_status
    assert reason in refused.value.reason


def test_a_connector_s_answers_apply_to_the_booking_sync_knows_only() -> None:
    assert deleted_answer_applies("delete_requested", BOOKED, BOOKED)
    assert deleted_answer_applies("posted", BOOKED, BOOKED)  # answered before sync recorded
    assert not deleted_answer_applies("deleted", BOOKED, BOOKED)  # told twice
    # A late answer about an earlier booking of the proposal, posted again since.
    assert not deleted_answer_applies("posted", ("CFAAN", "26000215"), BOOKED)
    assert delete_failed_applies("delete_requested", BOOKED, BOOKED)
    assert not delete_failed_applies("posted", BOOKED, BOOKED)
    assert not delete_failed_applies("deleted", BOOKED, BOOKED)
    assert not delete_failed_applies("delete_requested", ("CFAAN", "26000215"), BOOKED)


def test_the_delta_of_a_deletion_carries_the_journal_only() -> None:
    snapshot = BeancountConnector(DEMO_ROOT, today=lambda: date(2026, 11, 30)).snapshot(
        DOSSIER_CODE
    )
    delta = deletion_delta(snapshot, "CFAAN")
    assert [journal.code for journal in delta.journals] == ["CFAAN"]
    assert delta.open_items == () and delta.counterparties == () and delta.gl_accounts == ()
    assert delta.dossier_code == DOSSIER_CODE
