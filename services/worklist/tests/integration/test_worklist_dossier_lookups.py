"""Two checks made for every document read only the rows that may matter, on indexes, however
large the dossier (issue 13): the duplicate ("! Ok") check against the books' open items (the
invoice number's digits are stored with each item, as with proposals), and the sales sequence
check (the highest earlier number of the invoice number's prefix, not every sales number of the
dossier). What they find is unchanged; the open items are kept from ledger.synced.v1 through
the worklist's own handler, so later syncs that change or remove items are followed too."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import Envelope, EventData, LedgerSynced, OpenItem, spec_for
from ledgerline.testing.databases import MigratedDatabases
from worklist.adapters import earlier_invoices
from worklist.adapters.earlier_invoices import HIGHEST_SALES_NUMBERS_SQL
from worklist.adapters.ledger_copy import REGISTERED_OPEN_ITEMS_SQL
from worklist.domain.duplicates import Registered, number_digits
from worklist.domain.warnings import sequence_warning
from worklist.proposal_making import registered_like, sales_sequence_context
from worklist.service_layer import on_ledger_synced

pytestmark = [pytest.mark.integration]

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"
OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
SUPPLIER, OTHER_SUPPLIER, CUSTOMER = "L0001", "L0002", "K0001"
ITEMS = 5000  # open items of the supplier, and as many of the customer


def envelope(data: EventData) -> Envelope:  # type: ignore[type-arg]
    return Envelope[type(data)](  # type: ignore[misc]
        source="/tests",
        type=spec_for(data).type,
        dossierid=DOSSIER,
        officeid=OFFICE,
        correlationid=str(uuid.uuid4()),
        data=data,
    )


def item(
    kind: str,
    document_number: str,
    invoice_number: str | None,
    amount: str,
    day: date = date(2026, 3, 14),
    counterparty: str | None = None,
) -> OpenItem:
    return OpenItem(
        kind=kind,  # type: ignore[arg-type]
        journal="AANK" if kind == "supplier" else "VERK",
        document_number=document_number,
        counterparty_number=counterparty or (SUPPLIER if kind == "supplier" else CUSTOMER),
        invoice_number=invoice_number,
        invoice_date=day,
        amount=Decimal(amount),
        amount_paid=Decimal(0),
    )


def many_items() -> list[OpenItem]:
    """The supplier's MD/0000000 .. and the customer's 2026-000000 .. (10.00 + n), each on a day
    of their own: a dossier of some years."""
    found = []
    for n in range(ITEMS):
        day = date.fromordinal(date(2020, 1, 1).toordinal() + n % 2000)
        found.append(item("supplier", f"A{n:07d}", f"MD/{n:07d}", f"{10 + n}.00", day))
        found.append(item("customer", f"V{n:07d}", f"2026-{n:06d}", f"{10 + n}.00", day))
    return found


async def sync(
    pool: asyncpg.Pool,
    items: list[OpenItem],
    *,
    full: bool = False,
    removed: tuple[str, ...] = (),
) -> None:
    async with UnitOfWork(pool, source="worklist") as uow:
        await on_ledger_synced(
            uow,
            envelope(
                LedgerSynced(
                    synced_at=datetime.now(UTC),
                    sync_id=uuid.uuid4(),
                    full=full,
                    open_item_records=tuple(items),
                    removed_open_items=removed,
                )
            ),
        )


async def add_sales_proposal(
    pool: asyncpg.Pool, number: str, document_type: str = "invoice", mailbox: str = "sales"
) -> uuid.UUID:
    """A sales proposal as the worklist stores one (its sequence columns with it)."""
    proposal_id = uuid.uuid4()
    prefix, value = earlier_invoices.sequence_columns(number)
    await pool.execute(
        """INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status,
                                  journal, counterparty_known, counterparty_number,
                                  invoice_number, document_type, mailbox, recognition_status,
                                  auto_status, sequence_prefix, sequence_number)
           VALUES ($1, $2, $3, gen_random_uuid(), 'ubl', 'ok', 'VERK', true, $4, $5, $6, $7,
                   'ok', 'ok', $8, $9)""",
        proposal_id,
        OFFICE,
        DOSSIER,
        CUSTOMER,
        number,
        document_type,
        mailbox,
        prefix,
        value,
    )
    return proposal_id


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    dsn = await migrated_databases.create(VERSIONS)
    pool = await create_pool(dsn, max_size=2)
    await sync(pool, many_items(), full=True)
    await pool.execute("ANALYZE ledger_open_items")
    yield pool
    await pool.close()
    await migrated_databases.drop(dsn)


def candidate(
    number: str | None,
    total: str | None = None,
    day: date | None = None,
    counterparty: str = SUPPLIER,
) -> Registered:
    return Registered(
        counterparty_number=counterparty,
        counterparty_vat=None,
        invoice_number=number,
        invoice_date=day,
        total_incl_vat=Decimal(total) if total is not None else None,
        where="",
    )


async def duplicate_of(pool: asyncpg.Pool, registered: Registered) -> str | None:
    async with pool.acquire() as connection:
        found = await registered_like(connection, OFFICE, DOSSIER, registered, None)
    return found.where if found else None


async def plan(pool: asyncpg.Pool, sql: str, *args: Any, analyze: bool = False) -> list[dict]:
    """The nodes of the statement's plan (executed, with actual rows, when `analyze`)."""
    options = "ANALYZE, FORMAT JSON" if analyze else "FORMAT JSON"
    async with pool.acquire() as connection:
        found = json.loads(await connection.fetchval(f"EXPLAIN ({options}) " + sql, *args))
    return _nodes(found[0]["Plan"])


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    return [node, *(n for child in node.get("Plans", []) for n in _nodes(child))]


def indexes(nodes: list[dict]) -> set[str]:
    return {node["Index Name"] for node in nodes if "Index Name" in node}


def node_types(nodes: list[dict]) -> set[str]:
    return {node["Node Type"] for node in nodes}


async def test_the_open_item_lookup_uses_indexes_not_the_suppliers_items(
    pool: asyncpg.Pool,
) -> None:
    nodes = await plan(
        pool,
        REGISTERED_OPEN_ITEMS_SQL,
        OFFICE,
        DOSSIER,
        SUPPLIER,
        number_digits("MD/0001234"),
        date(2026, 3, 14),
        Decimal("1244.00"),
    )
    assert {"ledger_open_items_like_number", "ledger_open_items_like_amount"} <= indexes(nodes), (
        nodes
    )
    assert "Seq Scan" not in node_types(nodes), nodes
    assert "regexp_replace" not in json.dumps(nodes), nodes  # no expression evaluated per row


async def test_open_items_that_are_duplicates_are_still_found(pool: asyncpg.Pool) -> None:
    # The same number, spaces and case aside.
    assert await duplicate_of(pool, candidate(" md / 0001234")) == (
        "open item AANK/A0001234 in the books"
    )
    # The same date and amount (item n is of 10 + n and dated n % 2000 days after 2020-01-01).
    item_day = date.fromordinal(date(2020, 1, 1).toordinal() + 1234 % 2000)
    assert await duplicate_of(pool, candidate("X-1", "1244.00", item_day)) == (
        "open item AANK/A0001234 in the books"
    )
    # A new invoice of the supplier, and one of the same amount on another day: none.
    assert await duplicate_of(pool, candidate("MD/9999999", "1244.00", date(2026, 3, 15))) is None


async def test_numbers_with_letters_and_leading_zeros_are_compared_as_before(
    pool: asyncpg.Pool,
) -> None:
    # The same digits, other letters: not the same invoice.
    assert await duplicate_of(pool, candidate("CN/0001234")) is None
    # Leading zeros count: MD/1234 is not MD/0001234, nor are its digits.
    assert await duplicate_of(pool, candidate("MD/1234")) is None
    # A number without digits matches only itself.
    await sync(pool, [item("supplier", "B1", "ABC", "1.00"), item("supplier", "B2", "XYZ", "2.00")])
    assert await duplicate_of(pool, candidate("a b c")) == "open item AANK/B1 in the books"
    assert await duplicate_of(pool, candidate("DEF")) is None


async def test_credit_notes_and_other_suppliers(pool: asyncpg.Pool) -> None:
    await sync(
        pool,
        [
            item("supplier", "C1", "CN-77", "-242.00", date(2026, 10, 3)),
            item("supplier", "C2", "VH-88", "500.00", date(2026, 10, 3), OTHER_SUPPLIER),
        ],
    )
    # A credit note in the books: the same date and amount, sign aside.
    assert await duplicate_of(pool, candidate("Z-1", "242.00", date(2026, 10, 3))) == (
        "open item AANK/C1 in the books"
    )
    assert await duplicate_of(pool, candidate("cn-77")) == "open item AANK/C1 in the books"
    # Another supplier's item: not a duplicate of this supplier's invoice, by number or amount.
    assert await duplicate_of(pool, candidate("VH-88")) is None
    assert await duplicate_of(pool, candidate("Z-2", "500.00", date(2026, 10, 3))) is None
    assert await duplicate_of(pool, candidate("VH-88", counterparty=OTHER_SUPPLIER)) == (
        "open item AANK/C2 in the books"
    )


async def test_items_changed_settled_or_gone_in_a_later_sync_are_followed(
    pool: asyncpg.Pool,
) -> None:
    assert await duplicate_of(pool, candidate("MD/0000007")) is not None
    assert await duplicate_of(pool, candidate("MD/0000008")) is not None
    assert await duplicate_of(pool, candidate("MD/0000009")) is not None
    # Settled: the books remove it (ledger.synced.v1 `removed_open_items`).
    await sync(pool, [], removed=("AANK/A0000007",))
    assert await duplicate_of(pool, candidate("MD/0000007")) is None
    # Its invoice number corrected in the books: found by the new number, not the old one.
    await sync(pool, [item("supplier", "A0000008", "MD-X-42", "18.00", date(2030, 1, 1))])
    assert await duplicate_of(pool, candidate("MD/0000008")) is None
    assert await duplicate_of(pool, candidate("md-x-42")) == "open item AANK/A0000008 in the books"
    # A full resync without it: gone.
    await sync(pool, [item("supplier", "A0000010", "MD/0000010", "20.00")], full=True)
    assert await duplicate_of(pool, candidate("MD/0000009")) is None
    assert await duplicate_of(pool, candidate("MD/0000010")) is not None


async def earlier_sales(
    pool: asyncpg.Pool, number: str, exclude: uuid.UUID | None = None
) -> list[str]:
    async with pool.acquire() as connection:
        numbers, checked = await sales_sequence_context(
            connection, OFFICE, DOSSIER, "sales", number, exclude
        )
    assert checked
    return numbers


async def sequence_message(
    pool: asyncpg.Pool, number: str, exclude: uuid.UUID | None = None
) -> str | None:
    found = sequence_warning(number, await earlier_sales(pool, number, exclude))
    return found.message if found else None


async def test_the_sequence_lookup_reads_the_end_of_two_indexes(pool: asyncpg.Pool) -> None:
    for n in range(200):
        await add_sales_proposal(pool, f"2026-{ITEMS + n:06d}")
    await pool.execute("ANALYZE proposals")
    nodes = await plan(pool, HIGHEST_SALES_NUMBERS_SQL, OFFICE, DOSSIER, "2026-", uuid.uuid4())
    assert indexes(nodes) == {"proposals_sales_sequence", "ledger_open_items_sales_sequence"}
    assert "Limit" in node_types(nodes), nodes
    assert not {"Seq Scan", "Sort", "Bitmap Heap Scan"} & node_types(nodes), nodes
    # Executed: one row read from the end of each index, not the dossier's 5,200 sales numbers.
    executed = await plan(
        pool, HIGHEST_SALES_NUMBERS_SQL, OFFICE, DOSSIER, "2026-", None, analyze=True
    )
    scans = [node for node in executed if "Index Name" in node]
    assert [(node["Scan Direction"], node["Actual Rows"]) for node in scans] == [
        ("Backward", 1),
        ("Backward", 1),
    ], executed
    assert await earlier_sales(pool, "2026-005200") == ["2026-005199", f"2026-{ITEMS - 1:06d}"]
    assert await sequence_message(pool, "2026-005200") is None


async def test_the_sequence_follows_the_highest_number_of_the_prefix(pool: asyncpg.Pool) -> None:
    after_books = f"2026-{ITEMS:06d}"
    assert await sequence_message(pool, after_books) is None
    assert await sequence_message(pool, "2026-000100") == (
        f"sales invoice number 2026-000100 does not follow 2026-{ITEMS - 1:06d}"
    )
    # Leading zeros aside: 2026-5000 follows 2026-004999.
    assert await sequence_message(pool, f"2026-{ITEMS}") is None
    # The worklist's numbers count with the books', numerically (10 after 9, not text order).
    await add_sales_proposal(pool, "F-9")
    await add_sales_proposal(pool, "F-0010")
    assert await sequence_message(pool, "F-11") is None
    assert (
        await sequence_message(pool, "F-0012")
        == "sales invoice number F-0012 does not follow F-0010"
    )
    # Letters make another series: F- is not f- nor 2026-.
    assert await earlier_sales(pool, "f-1") == []
    assert await sequence_message(pool, "f-1") is None
    # A sales credit note is numbered in the same series, a purchase invoice is not.
    await add_sales_proposal(pool, "F-11", document_type="credit_note")
    await add_sales_proposal(pool, "F-40", mailbox="purchase")
    assert await sequence_message(pool, "F-12") is None
    # Digits of other scripts, as the check reads them.
    await add_sales_proposal(pool, "VF-١٢")
    assert await sequence_message(pool, "VF-13") is None


async def test_the_proposal_itself_and_what_a_later_sync_removed_do_not_count(
    pool: asyncpg.Pool,
) -> None:
    mine = await add_sales_proposal(pool, f"2026-{ITEMS + 5:06d}")
    # Re-checking its own (edited) number: it is not its own predecessor.
    assert await earlier_sales(pool, f"2026-{ITEMS:06d}", exclude=mine) == [f"2026-{ITEMS - 1:06d}"]
    assert await sequence_message(pool, f"2026-{ITEMS:06d}", exclude=mine) is None
    # The books' highest number settled and removed by a later sync: the next one counts.
    await pool.execute("DELETE FROM proposals WHERE id = $1", mine)
    await sync(pool, [], removed=(f"VERK/V{ITEMS - 1:07d}",))
    assert await sequence_message(pool, f"2026-{ITEMS - 1:06d}") is None
    # A number changed by a later sync is read with its new number.
    await sync(pool, [item("customer", f"V{ITEMS - 2:07d}", "2026-009000", "1.00")])
    assert await earlier_sales(pool, "2026-009001") == ["2026-009000"]


async def test_the_migration_fills_in_the_rows_already_there(
    infrastructure: Infrastructure,
) -> None:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    try:
        await asyncio.to_thread(run_migrations, dsn, VERSIONS, "0014_wllabels")
        connection = await asyncpg.connect(dsn)
        try:
            await connection.execute(
                """INSERT INTO ledger_open_items (office_id, dossier_id, journal, document_number,
                        kind, counterparty_number, invoice_number, invoice_date, amount, sync_id)
                   VALUES ($1, $2, 'VERK', 'V1', 'customer', $3, ' 2026-0041 ', '2026-03-14',
                           10, gen_random_uuid()),
                          ($1, $2, 'AANK', 'A1', 'supplier', $4, 'MD / 0042', '2026-03-14',
                           -20, gen_random_uuid()),
                          ($1, $2, 'AANK', 'A2', 'supplier', $4, NULL, '2026-03-14',
                           30, gen_random_uuid())""",
                OFFICE,
                DOSSIER,
                CUSTOMER,
                SUPPLIER,
            )
            await connection.execute(
                """INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status,
                        journal, counterparty_known, invoice_number, mailbox, recognition_status,
                        auto_status)
                   VALUES (gen_random_uuid(), $1, $2, gen_random_uuid(), 'ubl', 'ok', 'VERK',
                           false, '2026-0040', 'sales', 'ok', 'ok'),
                          (gen_random_uuid(), $1, $2, gen_random_uuid(), 'ubl', 'ok', 'VERK',
                           false, 'no number', 'sales', 'ok', 'ok')""",
                OFFICE,
                DOSSIER,
            )
        finally:
            await connection.close()
        await asyncio.to_thread(run_migrations, dsn, VERSIONS)
        pool = await create_pool(dsn, max_size=1)
        try:
            rows = await pool.fetch(
                """SELECT document_number, invoice_number_digits, sequence_prefix, sequence_number
                   FROM ledger_open_items ORDER BY document_number"""
            )
            assert [tuple(row) for row in rows] == [
                ("A1", "0042", "MD / ", Decimal(42)),
                ("A2", None, None, None),
                ("V1", "20260041", "2026-", Decimal(41)),
            ]
            proposals = await pool.fetch(
                "SELECT invoice_number, sequence_prefix, sequence_number FROM proposals "
                "ORDER BY invoice_number"
            )
            assert [tuple(row) for row in proposals] == [
                ("2026-0040", "2026-", Decimal(40)),
                ("no number", None, None),
            ]
            assert await earlier_sales(pool, "2026-0042") == ["2026-0040", " 2026-0041 "]
            assert await duplicate_of(pool, candidate("md/0042")) == (
                "open item AANK/A1 in the books"
            )
            assert await duplicate_of(pool, candidate("x", "20.00", date(2026, 3, 14))) == (
                "open item AANK/A1 in the books"
            )
        finally:
            await pool.close()
    finally:
        await infrastructure.postgres.drop_database(name)
