"""The duplicate ("! Ok") lookup of a new document reads only the proposals that may match it,
through an index, not every proposal of its counterparty: with thousands of invoices of one
supplier in one dossier, reading them all for every document made the worklist's cost per
document grow with the dossier (issue 13, single-dossier benchmark). What it finds is unchanged:
the same counterparty and invoice number (spaces and case aside), or the same counterparty,
date and total (sign aside)."""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg
import pytest
from ledgerline.db import run_migrations
from ledgerline.devstack.stack import Infrastructure
from worklist.adapters.earlier_invoices import REGISTERED_PROPOSALS_SQL, registered_proposals
from worklist.domain.duplicates import Registered, number_digits
from worklist.proposal_making import registered_like

pytestmark = [pytest.mark.integration]

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"
PROPOSALS = 2000
OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
SUPPLIER_VAT, SUPPLIER_NUMBER = "BE0403019261", "400123"


@pytest.fixture
async def pool(infrastructure: Infrastructure) -> AsyncIterator[asyncpg.Pool]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    await asyncio.to_thread(run_migrations, dsn, VERSIONS)

    async def init(connection: asyncpg.Connection) -> None:
        await connection.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )

    pool = await asyncpg.create_pool(dsn, min_size=1, max_size=2, init=init)
    # One dossier, one supplier, PROPOSALS invoices: INV/000000 .. of 100.00 + n, all of
    # 14 March 2026 (as a day's bulk upload of one supplier's invoices).
    await pool.execute(
        """INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status, journal,
                                  counterparty_known, counterparty_number, counterparty_vat,
                                  invoice_number, invoice_date, total_incl_vat,
                                  recognition_status, auto_status)
           SELECT gen_random_uuid(), $1, $2, gen_random_uuid(), 'ubl', 'ok', 'AANK', true, $3, $4,
                  'INV/' || lpad(n::text, 6, '0'), date '2026-03-14', 100 + n,
                  'ok', 'ok'
           FROM generate_series(0, $5 - 1) AS n""",
        OFFICE,
        DOSSIER,
        SUPPLIER_NUMBER,
        SUPPLIER_VAT,
        PROPOSALS,
    )
    await pool.execute("ANALYZE proposals")
    yield pool
    await pool.close()
    await infrastructure.postgres.drop_database(name)


def candidate(number: str | None, total: str | None, day: date | None) -> Registered:
    return Registered(
        counterparty_number=SUPPLIER_NUMBER,
        counterparty_vat=SUPPLIER_VAT,
        invoice_number=number,
        invoice_date=day,
        total_incl_vat=Decimal(total) if total is not None else None,
        where="",
    )


async def test_the_lookup_reads_only_the_proposals_that_may_match(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        # A new invoice: neither its number nor its date and total are in the dossier.
        assert (
            await registered_proposals(
                connection, OFFICE, DOSSIER, candidate("INV/999999", "7.77", date(2026, 3, 14))
            )
            == []
        )
        # The same number (spaces and case aside): that proposal, and no other.
        same_number = await registered_proposals(
            connection, OFFICE, DOSSIER, candidate(" inv/ 001234", "7.77", date(2026, 4, 1))
        )
        assert [row.invoice_number for row in same_number] == ["INV/001234"]
        # The same date and total (a credit note's sign aside): that proposal.
        same_amount = await registered_proposals(
            connection, OFFICE, DOSSIER, candidate("X-1", "-1334.00", date(2026, 3, 14))
        )
        assert [row.invoice_number for row in same_amount] == ["INV/001234"]


async def test_the_duplicate_lookup_uses_an_index(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        plan = await connection.fetchval(
            "EXPLAIN (FORMAT JSON) " + REGISTERED_PROPOSALS_SQL,
            OFFICE,
            DOSSIER,
            SUPPLIER_NUMBER,
            SUPPLIER_VAT,
            None,
            number_digits("INV/001234"),
            date(2026, 3, 14),
            Decimal("1334.00"),
        )
    text = json.dumps(plan)
    assert "proposals_like_number" in text, text
    assert "proposals_like_amount" in text, text
    assert "Seq Scan" not in text, text


async def test_duplicates_are_still_found(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        by_number = await registered_like(
            connection, OFFICE, DOSSIER, candidate("INV / 000042", None, None), None
        )
        assert by_number is not None and by_number.invoice_number == "INV/000042"
        assert by_number.where.startswith("proposal ")
        by_amount = await registered_like(
            connection, OFFICE, DOSSIER, candidate(None, "142.00", date(2026, 3, 14)), None
        )
        assert by_amount is not None and by_amount.invoice_number == "INV/000042"
        # Same total on another day, another number: not a duplicate.
        assert (
            await registered_like(
                connection, OFFICE, DOSSIER, candidate("INV/1", "142.00", date(2026, 3, 15)), None
            )
            is None
        )
        # A number whose digits match but whose letters do not: not a duplicate.
        assert (
            await registered_like(
                connection, OFFICE, DOSSIER, candidate("CN/000042", None, None), None
            )
            is None
        )
