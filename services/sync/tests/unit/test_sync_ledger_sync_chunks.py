"""A snapshot as ledger.synced.v1 chunks: bounded in size, complete, in order."""

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

from ledgerline.events import Envelope, LedgerSynced
from sync.connectors.contract import BankAccount, Counterparty, LedgerSnapshot, OpenItem
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.ledger_sync import MAX_MESSAGE_BYTES, ledger_sync_messages

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def big_snapshot() -> LedgerSnapshot:
    counterparties = tuple(
        Counterparty(
            number=f"L{n:05d}",
            kind="supplier",
            name=f"Leverancier nummer {n} met een lange naam BV",
            vat_number=f"BE0{n:09d}",
            ibans=(f"BE71{n:012d}",),
            default_gl_account="604000",
            default_vat_code="A21",
        )
        for n in range(5000)
    )
    open_items = tuple(
        OpenItem(
            kind="supplier",
            journal="CFAAN",
            document_number=f"26{n:06d}",
            counterparty_number=f"L{n % 5000:05d}",
            invoice_number=f"F-2026-{n}",
            invoice_date=date(2026, 1 + n % 12, 1 + n % 28),
            due_date=date(2026, 1 + n % 12, 28),
            amount=Decimal("1210.00") + n,
            amount_paid=Decimal("100.00"),
            structured_communication="+++090/9337/55493+++",
        )
        for n in range(20000)
    )
    return LedgerSnapshot(
        dossier_code="BIG",
        read_at=NOW,
        counterparties=counterparties,
        open_items=open_items,
        bank_accounts=(
            BankAccount(iban="BE68539007547034", holder_name="Big BV", gl_account="550000"),
        ),
    )


def envelope_bytes(message: LedgerSynced) -> int:
    envelope = Envelope[LedgerSynced](
        source="/ledgerline/sync",
        type="be.ledgerline.ledger.synced.v1",
        dossierid=uuid.uuid4(),
        officeid=uuid.uuid4(),
        correlationid=str(uuid.uuid4()),
        data=message,
    )
    return len(envelope.model_dump_json().encode())


def test_a_full_resync_of_5000_counterparties_and_20000_open_items_stays_below_512_kib() -> None:
    snapshot = big_snapshot()
    sync_id = uuid.uuid4()
    messages = ledger_sync_messages(snapshot, sync_id, NOW)

    assert len(messages) > 10
    assert max(envelope_bytes(message) for message in messages) < MAX_MESSAGE_BYTES
    assert [message.chunk for message in messages] == list(range(len(messages)))
    assert [message.last_chunk for message in messages] == [False] * (len(messages) - 1) + [True]
    assert {message.sync_id for message in messages} == {sync_id}
    assert all(message.full for message in messages)
    assert {(m.counterparties, m.open_items) for m in messages} == {(5000, 20000)}
    sent_counterparties = [c for m in messages for c in m.counterparty_records]
    sent_items = [i for m in messages for i in m.open_item_records]
    assert sent_counterparties == list(snapshot.counterparties)
    assert sent_items == list(snapshot.open_items)
    # Bank accounts once, on the first chunk; every counterparty before the first open item.
    assert [len(m.bank_accounts) for m in messages][:2] == [1, 0]
    first_item_chunk = min(m.chunk for m in messages if m.open_item_records)
    last_counterparty_chunk = max(m.chunk for m in messages if m.counterparty_records)
    assert last_counterparty_chunk <= first_item_chunk


def test_the_demo_ledger_fits_in_one_message_with_every_kind_of_record() -> None:
    from sync.connectors.beancount_ledger.connector import BeancountConnector

    snapshot = BeancountConnector(DEMO_ROOT).snapshot(DOSSIER_CODE)
    [message] = ledger_sync_messages(snapshot, uuid.uuid4(), NOW)

    assert message.last_chunk and message.chunk == 0
    assert len(message.counterparty_records) == len(snapshot.counterparties) >= 20
    assert len(message.gl_accounts) == len(snapshot.gl_accounts)
    assert {journal.code for journal in message.journals} >= {"CFAAN", "CFCNAK", "CFVER", "CFCNVK"}
    assert len(message.periods) == 12
    assert message.open_item_records == snapshot.open_items
    assert message.bank_accounts and message.bank_accounts[0].iban == snapshot.bank_accounts[0].iban
    # It travels as JSON and comes back equal.
    assert LedgerSynced.model_validate_json(message.model_dump_json()) == message
