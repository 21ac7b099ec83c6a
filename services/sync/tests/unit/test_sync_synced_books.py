"""The feedback records of ledger.synced.v1 and the books sync reads from them: an item's paid
amount at any pivot from its history, the reports over the demo ledger equal to those read from
Beancount, deltas that remove what is gone, chunks below 512 KiB."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from ledgerline.events import Envelope, LedgerSynced
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import (
    AccountTotal,
    CounterpartyTurnover,
    ItemHistory,
    LedgerSnapshot,
    OpenItem,
    OpenItemMovement,
)
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.feedback import (
    aged_balance,
    balance_sheet,
    key_figures,
    profit_and_loss,
    top_counterparties,
)
from sync.domain.kafka_connector import KEPT_RECORDS, KEPT_REMOVALS, record_key
from sync.domain.ledger_sync import (
    FEEDBACK_SOURCES,
    MAX_MESSAGE_BYTES,
    delta,
    ledger_sync_messages,
    record_fingerprints,
)
from sync.domain.synced_books import SyncedBooks, item_as_of

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def movement(kind: str, day: date, amount: str, number: str = "26000001") -> OpenItemMovement:
    journal = "CFVER" if kind in ("invoice", "credit_note") else "KBC"
    return OpenItemMovement(
        kind=kind, journal=journal, document_number=number, date=day, amount=Decimal(amount)
    )


def history(number: str = "26000001", paid_now: str = "1000.00") -> ItemHistory:
    return ItemHistory(
        item=OpenItem(
            kind="customer",
            journal="CFVER",
            document_number=number,
            counterparty_number="K0001",
            invoice_date=date(2026, 3, 1),
            due_date=date(2026, 3, 31),
            amount=Decimal("1000.00"),
            amount_paid=Decimal(paid_now),
        ),
        movements=(
            movement("invoice", date(2026, 3, 1), "1000.00", number),
            movement("payment", date(2026, 4, 10), "-400.00"),
            movement("payment", date(2026, 6, 5), "-600.00"),
        ),
    )


@pytest.mark.parametrize(
    ("pivot", "paid"),
    [
        (date(2026, 3, 1), "0"),
        (date(2026, 4, 10), "400.00"),
        (date(2026, 6, 4), "400.00"),
        (date(2026, 6, 5), "1000.00"),
    ],
)
def test_what_was_paid_at_a_pivot_is_the_settling_lines_up_to_it(pivot: date, paid: str) -> None:
    item = item_as_of(history(), pivot)
    assert item is not None and item.amount_paid == Decimal(paid)
    assert str(item.amount_paid) == paid  # nothing paid is 0, never -0


def test_an_item_booked_after_the_pivot_is_not_in_the_books_then() -> None:
    assert item_as_of(history(), date(2026, 2, 28)) is None
    assert item_as_of(history(), None) == history().item  # now: as the connector read it


@pytest.fixture(scope="module")
def demo() -> tuple[BeancountConnector, LedgerSnapshot, SyncedBooks]:
    """The demo ledger read by Beancount, and the same books as sync keeps them from the
    connector's records (JSON, as stored)."""
    connector = BeancountConnector(DEMO_ROOT)
    snapshot = connector.feedback_snapshot(DOSSIER_CODE)
    records = [
        (kind, record.model_dump(mode="json"))
        for field, kind in KEPT_RECORDS.items()
        for record in getattr(
            snapshot,
            {
                "gl_accounts": "gl_accounts",
                "journals": "journals",
                "counterparty_records": "counterparties",
                "periods": "periods",
                "turnover_records": "turnover",
                "account_totals": "account_totals",
                "item_histories": "item_histories",
            }[field],
        )
    ]
    return connector, snapshot, SyncedBooks(DOSSIER_CODE, NOW, records)


def test_the_synced_books_give_the_items_at_every_pivot_as_beancount_does(
    demo: tuple[BeancountConnector, LedgerSnapshot, SyncedBooks],
) -> None:
    connector, _, books = demo
    for pivot in (date(2026, 1, 15), date(2026, 6, 30), date(2026, 11, 30), None):
        assert books.open_items(DOSSIER_CODE, pivot) == connector.open_items(DOSSIER_CODE, pivot)
        for kind in ("customer", "supplier"):
            at = pivot or date(2026, 12, 31)
            assert aged_balance(books.open_items(DOSSIER_CODE, pivot), kind, at) == aged_balance(
                connector.open_items(DOSSIER_CODE, pivot), kind, at
            )


def test_the_synced_books_give_every_item_history_as_beancount_does(
    demo: tuple[BeancountConnector, LedgerSnapshot, SyncedBooks],
) -> None:
    connector, snapshot, books = demo
    assert len(snapshot.item_histories) == len(connector.open_items(DOSSIER_CODE)) > 200
    for item in connector.open_items(DOSSIER_CODE):
        args = (DOSSIER_CODE, item.journal, item.document_number)
        assert books.open_item_history(*args) == connector.open_item_history(*args)
    assert books.open_item_history(DOSSIER_CODE, "CFAAN", "99999999") is None


def test_statements_and_top_from_the_totals_equal_those_from_the_postings(
    demo: tuple[BeancountConnector, LedgerSnapshot, SyncedBooks],
) -> None:
    connector, snapshot, books = demo
    postings = connector.ledger_movements(DOSSIER_CODE)
    totals = books.ledger_movements(DOSSIER_CODE)
    assert len(totals) < len(postings)  # bounded by accounts x periods
    synced = books.snapshot(DOSSIER_CODE)
    accounts = snapshot.gl_accounts
    for first, last in (("2026-01", "2026-06"), ("2026-01", "2026-12"), ("2026-04", "2026-04")):
        assert profit_and_loss(totals, synced.gl_accounts, first, last) == profit_and_loss(
            postings, accounts, first, last
        )
        for closed_only in (False, True):
            assert key_figures(totals, synced.periods, first, last, closed_only) == key_figures(
                postings, snapshot.periods, first, last, closed_only
            )
        for kind in ("customer", "supplier"):
            assert top_counterparties(synced.turnover, kind, first, last) == top_counterparties(
                snapshot.turnover, kind, first, last
            )
    for at in ("2026-03", "2026-06", "2026-12"):
        assert balance_sheet(totals, synced.gl_accounts, at) == balance_sheet(
            postings, accounts, at
        )
    assert synced.open_items == snapshot.open_items


def test_the_keys_of_kept_feedback_records_are_those_their_removals_name() -> None:
    line = CounterpartyTurnover(
        kind="supplier", counterparty_number="L0003", period="2026-11", amount_excl_vat=1
    )
    total = AccountTotal(gl_account="604000", period="2026-11", amount=Decimal("10.00"))
    assert record_key("turnover", line) == "supplier/2026-11/EUR/L0003"
    assert record_key("account_total", total) == "604000/2026-11"
    assert record_key("item_history", history()) == "CFVER/26000001"
    assert set(KEPT_REMOVALS.values()) <= set(KEPT_RECORDS.values())


def test_a_delta_of_the_feedback_records_sends_what_changed_and_the_keys_of_what_is_gone() -> None:
    total = AccountTotal(gl_account="604000", period="2026-11", amount=Decimal("10.00"))
    gone = AccountTotal(gl_account="700000", period="2026-11", amount=Decimal("-10.00"))
    before = LedgerSnapshot(
        dossier_code="D",
        read_at=NOW,
        account_totals=(total, gone),
        item_histories=(history("26000001"), history("26000002")),
    )
    after = before.model_copy(
        update={
            "account_totals": (total.model_copy(update={"amount": Decimal("20.00")}),),
            "item_histories": (history("26000001"),),
        }
    )
    changes = delta(after, record_fingerprints(before), FEEDBACK_SOURCES)
    assert changes.changes.account_totals == after.account_totals
    assert changes.changes.item_histories == ()  # unchanged
    assert changes.removals["removed_account_totals"] == ("700000/2026-11",)
    assert changes.removals["removed_item_histories"] == ("CFVER/26000002",)
    assert changes.removals["removed_counterparties"] == ()  # not compared
    [message] = ledger_sync_messages(
        changes.changes, uuid.uuid4(), NOW, full=False, removals=changes.removals
    )
    assert message.removed_account_totals == ("700000/2026-11",)
    assert message.removed_item_histories == ("CFVER/26000002",)


def test_item_histories_travel_in_chunks_below_512_kib() -> None:
    histories = tuple(
        history(f"26{n:06d}").model_copy(
            update={"movements": history().movements * 3}  # an item paid in six parts
        )
        for n in range(20000)
    )
    snapshot = LedgerSnapshot(dossier_code="BIG", read_at=NOW, item_histories=histories)
    messages = ledger_sync_messages(snapshot, uuid.uuid4(), NOW)
    assert len(messages) > 10
    assert sum(len(m.item_histories) for m in messages) == 20000
    for message in messages:
        envelope = Envelope[LedgerSynced](
            source="/ledgerline/beancount-connector",
            type="be.ledgerline.ledger.synced.v1",
            dossierid=uuid.uuid4(),
            officeid=uuid.uuid4(),
            correlationid=str(uuid.uuid4()),
            data=message,
        )
        assert len(envelope.model_dump_json().encode()) < MAX_MESSAGE_BYTES
