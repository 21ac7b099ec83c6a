"""The worklist's cost per document in one large dossier (issue 13, worklist hot paths).

Starts a PostgreSQL of its own, migrates a worklist database, syncs one dossier's books with
`--open-items` open items of one supplier and as many of one customer (ledger.synced.v1, in
chunks), then makes `--count` purchase invoices of that supplier and `--count` sales invoices to
that customer through the worklist's consumer handlers (document.recognized.v1 then
document.submitted.v1, one transaction each, as the consumer does). Prints per document: wall
ms, CPU ms of this process (the worklist's Python side) and CPU ms of its PostgreSQL backend
(where the SQL runs), for each mailbox, and the machine's load.

    uv run python bench/worklist_dossier.py --open-items 20000 --count 300
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import psutil
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.postgres import LocalPostgres
from ledgerline.events import (
    BookingPeriod,
    Counterparty,
    DocumentRecognized,
    DocumentSubmitted,
    Envelope,
    EventData,
    GLAccount,
    Journal,
    LedgerSynced,
    OpenItem,
    VatCode,
    spec_for,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields, VatBreakdown
from ledgerline.subscriptions import TakesMany
from worklist.service_layer import on_documents_recognized, on_documents_submitted, on_ledger_synced

VERSIONS = (
    Path(__file__).resolve().parents[1] / "services/worklist/src/worklist/migrations/versions"
)
OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
SUPPLIER = Counterparty(
    number="L0001",
    kind="supplier",
    name="Molens Dedeyne",
    vat_number="BE0299925087",
    default_gl_account="600000",
    default_vat_code="A06",
)
CUSTOMER = Counterparty(
    number="K0001",
    kind="customer",
    name="Tearoom Lieve",
    vat_number="BE0556887787",
    default_gl_account="700000",
    default_vat_code="V06",
)
CHUNK = 2000
DAY = date(2026, 11, 14)


def envelope(data: EventData) -> Envelope:  # type: ignore[type-arg]
    return Envelope[type(data)](  # type: ignore[misc]
        source="/bench",
        type=spec_for(data).type,
        dossierid=DOSSIER,
        officeid=OFFICE,
        correlationid=str(uuid.uuid4()),
        data=data,
    )


async def handle(pool: asyncpg.Pool, handler: Callable[..., Awaitable[Any]], data: Any) -> None:
    async with UnitOfWork(pool, source="worklist") as uow:
        await handler(uow, envelope(data))


def books(open_items: list[OpenItem], sync_id: uuid.UUID, chunk: int, last: bool) -> LedgerSynced:
    first = chunk == 0
    return LedgerSynced(
        synced_at=datetime.now(UTC),
        sync_id=sync_id,
        full=True,
        chunk=chunk,
        last_chunk=last,
        gl_accounts=(
            (
                GLAccount(code="600000", name="Purchases", pcmn_class=6, type="expense"),
                GLAccount(code="700000", name="Sales", pcmn_class=7, type="income"),
            )
            if first
            else ()
        ),
        vat_codes=(
            (
                VatCode(
                    code="A06",
                    description="A06",
                    direction="purchase",
                    rate=Decimal(6),
                    kind="goods",
                    regime="domestic",
                    deductible_share=Decimal(100),
                ),
                VatCode(
                    code="V06",
                    description="V06",
                    direction="sales",
                    rate=Decimal(6),
                    kind="goods",
                    regime="domestic",
                    deductible_share=Decimal(100),
                ),
            )
            if first
            else ()
        ),
        journals=(
            (
                Journal(code="AANK", name="Purchases", type="purchase", number_format="yy000###"),
                Journal(code="VERK", name="Sales", type="sales", number_format="yy000###"),
            )
            if first
            else ()
        ),
        periods=(
            (
                BookingPeriod(
                    fiscal_year="2026",
                    code="2026-11",
                    start=date(2026, 11, 1),
                    end=date(2026, 11, 30),
                    status="open",
                ),
            )
            if first
            else ()
        ),
        counterparty_records=(SUPPLIER, CUSTOMER) if first else (),
        open_item_records=tuple(open_items),
    )


def open_items(count: int) -> list[OpenItem]:
    """`count` unpaid invoices of the supplier and `count` of the customer, over two years."""
    items = []
    for n in range(count):
        day = DAY - timedelta(days=1 + n % 700)
        items.append(
            OpenItem(
                kind="supplier",
                journal="AANK",
                document_number=f"A{n:08d}",
                counterparty_number=SUPPLIER.number,
                invoice_number=f"MD/{n:07d}",
                invoice_date=day,
                amount=Decimal(100) + Decimal(n) / 100,
                amount_paid=Decimal(0),
            )
        )
        items.append(
            OpenItem(
                kind="customer",
                journal="VERK",
                document_number=f"V{n:08d}",
                counterparty_number=CUSTOMER.number,
                invoice_number=f"2026-{n:06d}",
                invoice_date=day,
                amount=Decimal(50) + Decimal(n) / 100,
                amount_paid=Decimal(0),
            )
        )
    return items


def recognised(number: str, mailbox: str, n: int) -> DocumentRecognized:
    base = Decimal(1000) + Decimal(n) / 100  # amounts of their own: no duplicate by amount
    vat = (base * Decimal("0.06")).quantize(Decimal("0.01"))
    party = (
        {"supplier_name": SUPPLIER.name, "supplier_vat": SUPPLIER.vat_number}
        if mailbox == "purchase"
        else {
            "supplier_name": "Bakkerij Peeters",
            "customer_name": CUSTOMER.name,
            "customer_vat": CUSTOMER.vat_number,
        }
    )
    return DocumentRecognized(
        document_id=uuid.uuid4(),
        status="ok",
        source="ubl",
        confidence=1.0,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                invoice_number=number,
                issue_date=DAY,
                currency="EUR",
                total_excl_vat=base,
                total_vat=vat,
                total_incl_vat=base + vat,
                **party,
            ),
            vat_breakdown=(VatBreakdown(rate=Decimal(6), taxable_amount=base, vat_amount=vat),),
        ),
    )


async def deliver(pool: asyncpg.Pool, number: str, mailbox: str, n: int) -> None:
    recognition = recognised(number, mailbox, n)
    await handle(pool, TakesMany(on_documents_recognized), recognition)
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=recognition.document_id,
            mailbox=mailbox,  # type: ignore[arg-type]
            submitted_at=datetime.now(UTC),
            submitted_by="bench",
        ),
    )


async def measure(
    pool: asyncpg.Pool, backend: psutil.Process, mailbox: str, numbers: list[str]
) -> tuple[float, float, float]:
    """(wall, own CPU, PostgreSQL backend CPU) in ms per document."""
    wall, own = time.perf_counter(), time.process_time()
    pg = sum(backend.cpu_times()[:2])
    for n, number in enumerate(numbers):
        await deliver(pool, number, mailbox, n)
    count = len(numbers)
    return (
        (time.perf_counter() - wall) * 1000 / count,
        (time.process_time() - own) * 1000 / count,
        (sum(backend.cpu_times()[:2]) - pg) * 1000 / count,
    )


async def run(args: argparse.Namespace, postgres: LocalPostgres) -> None:
    dsn = await postgres.ensure_database("wlbench", owner="wlbench", password="bench")
    await asyncio.to_thread(run_migrations, dsn, VERSIONS)
    pool = await create_pool(dsn, min_size=1, max_size=1)  # one backend to measure
    try:
        sync_id, items = uuid.uuid4(), open_items(args.open_items)
        chunks = [items[i : i + CHUNK] for i in range(0, len(items), CHUNK)] or [[]]
        started = time.perf_counter()
        for number, chunk in enumerate(chunks):
            await handle(
                pool, on_ledger_synced, books(chunk, sync_id, number, number == len(chunks) - 1)
            )
        async with pool.acquire() as connection:
            await connection.execute("ANALYZE")
            backend = psutil.Process(await connection.fetchval("SELECT pg_backend_pid()"))
        print(
            f"synced {len(items)} open items in {time.perf_counter() - started:.1f} s; "
            f"{args.count} documents per mailbox (after {args.warmup} to warm up)"
        )
        warm = args.warmup
        await measure(pool, backend, "purchase", [f"NEW/{n:07d}" for n in range(warm)])
        await measure(
            pool, backend, "sales", [f"2026-{args.open_items + n:06d}" for n in range(warm)]
        )
        for mailbox, numbers in (
            ("purchase", [f"NEW/{n:07d}" for n in range(warm, warm + args.count)]),
            (
                "sales",
                [f"2026-{args.open_items + n:06d}" for n in range(warm, warm + args.count)],
            ),
        ):
            wall, own, pg = await measure(pool, backend, mailbox, numbers)
            print(
                f"{mailbox:9s} {wall:7.2f} ms/doc wall, {own:6.2f} ms CPU/doc worklist, "
                f"{pg:6.2f} ms CPU/doc its PostgreSQL backend, {own + pg:6.2f} ms CPU/doc together"
            )
        load = ", ".join(f"{value:.2f}" for value in os.getloadavg())
        print(f"load average (1, 5, 15 min): {load}; {psutil.cpu_count()} cores")
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open-items", type=int, default=20000, help="per counterparty")
    parser.add_argument("--count", type=int, default=300, help="documents per mailbox")
    parser.add_argument("--warmup", type=int, default=20, help="documents not measured")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ledgerline-wlbench-") as root:
        postgres = LocalPostgres(Path(root) / "postgres", free_port())
        postgres.start()
        try:
            asyncio.run(run(args, postgres))
        finally:
            postgres.stop()


if __name__ == "__main__":
    main()
