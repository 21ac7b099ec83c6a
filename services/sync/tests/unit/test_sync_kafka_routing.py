"""Posting through an external (Kafka) connector: which way a dossier's bookings go, what a
proposal validated again leads to, which answers change a posting, and the ledger.synced.v1
delta of one posting."""

import uuid
from datetime import UTC, date, datetime

import pytest
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import LedgerSnapshot, PostedBooking
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.kafka_connector import (
    answer_applies,
    booking_delta,
    kafka_posting_action,
    posting_route,
    record_key,
    snapshot_of_records,
)
from sync.domain.ledger_sync import ledger_sync_messages


@pytest.fixture(scope="module")
def snapshot() -> LedgerSnapshot:
    return BeancountConnector(DEMO_ROOT, today=lambda: date(2026, 11, 30)).snapshot(DOSSIER_CODE)


def test_only_a_dossier_activated_with_the_kafka_connector_posts_over_kafka() -> None:
    assert posting_route("kafka") == "kafka"
    assert posting_route("in_process") == "in_process"
    assert posting_route(None) == "in_process"  # dossiers activated before the choice existed


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (None, "request"),
        ("requested", "request"),  # the connector answers a repeated request with the first
        ("failed", "request"),  # corrected and validated again: ask again
        ("connector_unavailable", "request"),
        ("posted", "answer_posted"),  # never asked twice once posted
    ],
)
def test_a_proposal_is_requested_until_it_is_posted(status: str | None, action: str) -> None:
    assert kafka_posting_action(status) == action


def test_posted_is_final_whatever_answer_comes_after_it() -> None:
    assert answer_applies(None, "posted")
    assert answer_applies("requested", "posted")
    assert answer_applies("failed", "posted")
    assert answer_applies("posted", "posted")  # the same answer twice: same values
    assert answer_applies("requested", "failed")
    assert not answer_applies("posted", "failed")


def test_sync_resolves_postings_against_the_records_a_connector_published(
    snapshot: LedgerSnapshot,
) -> None:
    [message] = ledger_sync_messages(snapshot, uuid.uuid4(), datetime.now(UTC))
    records = [
        (kind, record.model_dump(mode="json"))
        for field, kind in (
            ("gl_accounts", "gl_account"),
            ("journals", "journal"),
            ("counterparty_records", "counterparty"),
        )
        for record in getattr(message, field)
    ]
    kept = snapshot_of_records(DOSSIER_CODE, datetime.now(UTC), records)
    assert {a.code for a in kept.gl_accounts} == {a.code for a in snapshot.gl_accounts}
    assert {j.code for j in kept.journals} == {j.code for j in snapshot.journals}
    assert [p.number for p in kept.counterparties] == sorted(
        p.number for p in snapshot.counterparties
    )
    assert record_key("counterparty", kept.counterparties[0]) == kept.counterparties[0].number
    assert record_key("journal", kept.journals[0]) == kept.journals[0].code


def test_the_delta_of_a_posting_is_its_journal_counterparty_and_open_item(
    snapshot: LedgerSnapshot,
) -> None:
    item = snapshot.open_items[0]
    posted = PostedBooking(
        proposal_id=uuid.uuid4(),
        journal=item.journal,
        document_number=item.document_number,
        period="2026-11",
        transaction_id=f"{item.journal}/{item.document_number}",
    )
    delta = booking_delta(snapshot, posted, item.counterparty_number)
    assert [j.code for j in delta.journals] == [item.journal]
    assert [p.number for p in delta.counterparties] == [item.counterparty_number]
    assert delta.open_items == (item,)
    assert delta.gl_accounts == delta.vat_codes == delta.periods == delta.bank_accounts == ()
    [message] = ledger_sync_messages(delta, uuid.uuid4(), datetime.now(UTC), full=False)
    assert message.full is False and message.last_chunk is True
    assert message.open_item_records == (item,)
