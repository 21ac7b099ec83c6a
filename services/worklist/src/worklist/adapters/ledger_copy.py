"""SQL for the worklist's copy of the dossier's ledger master data (from ledger.synced.v1)."""

import json
from collections.abc import Iterable, Sequence
from uuid import UUID

import asyncpg
from ledgerline import counterparty_copy
from ledgerline.events import (
    BookingPeriod,
    Counterparty,
    EventData,
    GLAccount,
    Journal,
    OpenItem,
    VatCode,
)

from worklist.adapters.earlier_invoices import sequence_columns
from worklist.domain.duplicates import Registered, number_digits
from worklist.domain.ledger import LedgerData

MASTER_DATA_KINDS = ("account", "vat_code", "journal", "period")


async def upsert_master_data(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    kind: str,
    records: Iterable[tuple[str, EventData]],
) -> None:
    await connection.executemany(
        """INSERT INTO ledger_master_data (office_id, dossier_id, kind, code, record, sync_id)
        VALUES ($1, $2, $3, $4, $5::jsonb, $6)
        ON CONFLICT (office_id, dossier_id, kind, code) DO UPDATE SET
            record = EXCLUDED.record, sync_id = EXCLUDED.sync_id""",
        [
            (office_id, dossier_id, kind, code, json.loads(record.model_dump_json()), sync_id)
            for code, record in records
        ],
    )


async def remove_stale(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, sync_id: UUID
) -> None:
    """After the last chunk of a full resync: the master data and open items the run did not
    send are gone from the books (the counterparties: `counterparty_copy.keep_counterparties`)."""
    await counterparty_copy.remove_stale(
        connection, office_id, dossier_id, sync_id, ("ledger_master_data", "ledger_open_items")
    )


async def list_counterparties(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    kind: str | None,
    vat_number: str | None,
    limit: int,
    offset: int,
) -> list[asyncpg.Record]:
    return await connection.fetch(
        """SELECT number, kind, name, vat_number, ibans, currency, default_gl_account,
                  default_vat_code
        FROM ledger_counterparties
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR kind = $3)
          AND ($4::text IS NULL OR vat_number = $4)
        ORDER BY number LIMIT $5 OFFSET $6""",
        office_id,
        dossier_id,
        kind,
        vat_number,
        limit,
        offset,
    )


async def list_master_data(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, kind: str
) -> list[dict]:
    rows = await connection.fetch(
        """SELECT record FROM ledger_master_data
        WHERE office_id = $1 AND dossier_id = $2 AND kind = $3 ORDER BY code""",
        office_id,
        dossier_id,
        kind,
    )
    return [row["record"] for row in rows]


async def upsert_open_items(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    items: Iterable[OpenItem],
) -> None:
    """The item's invoice number digits (for the duplicate check) are a generated column; its
    sales sequence prefix and number are computed here, as for proposals."""
    await connection.executemany(
        """INSERT INTO ledger_open_items (office_id, dossier_id, journal, document_number, kind,
                counterparty_number, invoice_number, invoice_date, amount, sync_id,
                sequence_prefix, sequence_number)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
        ON CONFLICT (office_id, dossier_id, journal, document_number) DO UPDATE SET
            kind = EXCLUDED.kind, counterparty_number = EXCLUDED.counterparty_number,
            invoice_number = EXCLUDED.invoice_number, invoice_date = EXCLUDED.invoice_date,
            amount = EXCLUDED.amount, sync_id = EXCLUDED.sync_id,
            sequence_prefix = EXCLUDED.sequence_prefix,
            sequence_number = EXCLUDED.sequence_number""",
        [
            (
                office_id,
                dossier_id,
                item.journal,
                item.document_number,
                item.kind,
                item.counterparty_number,
                item.invoice_number,
                item.invoice_date,
                item.amount,
                sync_id,
                *sequence_columns(item.invoice_number),
            )
            for item in items
        ],
    )


async def remove_open_items(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, keys: list[str]
) -> None:
    """`keys` are `journal/document number`, as ledger.synced.v1 names removed items."""
    await connection.execute(
        """DELETE FROM ledger_open_items WHERE office_id = $1 AND dossier_id = $2
           AND journal || '/' || document_number = ANY($3::text[])""",
        office_id,
        dossier_id,
        keys,
    )


async def load_ledger(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> LedgerData:
    """The dossier's whole copy, for enrichment and validation."""
    parties = await connection.fetch(
        """SELECT number, kind, name, vat_number, ibans, currency, default_gl_account,
                  default_vat_code
        FROM ledger_counterparties WHERE office_id = $1 AND dossier_id = $2 ORDER BY number""",
        office_id,
        dossier_id,
    )
    records = await connection.fetch(
        """SELECT kind, record FROM ledger_master_data
        WHERE office_id = $1 AND dossier_id = $2 ORDER BY kind, code""",
        office_id,
        dossier_id,
    )
    models = {
        "account": GLAccount,
        "vat_code": VatCode,
        "journal": Journal,
        "period": BookingPeriod,
    }
    parsed: dict[str, list[EventData]] = {kind: [] for kind in models}
    for row in records:
        parsed[row["kind"]].append(models[row["kind"]].model_validate(row["record"]))
    return LedgerData(
        counterparties=tuple(
            Counterparty.model_validate(dict(row) | {"ibans": tuple(row["ibans"])})
            for row in parties
        ),
        accounts=tuple(parsed["account"]),  # type: ignore[arg-type]
        vat_codes=tuple(parsed["vat_code"]),  # type: ignore[arg-type]
        journals=tuple(parsed["journal"]),  # type: ignore[arg-type]
        periods=tuple(parsed["period"]),  # type: ignore[arg-type]
    )


# The books' open items of a counterparty that may be a candidate's duplicate: the same invoice
# number digits, or the same date and amount (sign aside). Only those rows are read, through the
# ledger_open_items_like_number / _like_amount indexes (0015_wlhot), not every open item of the
# counterparty with a regular expression evaluated per row (a supplier with 20,000 open items made
# that the worklist's largest cost per document). invoice_number_digits is a stored generated
# column, the same expression as the proposals' (0013_perfone) so that both match alike.
REGISTERED_OPEN_ITEMS_SQL = """
    SELECT journal, document_number, counterparty_number, invoice_number, invoice_date, amount
    FROM ledger_open_items
    WHERE office_id = $1 AND dossier_id = $2 AND counterparty_number = $3
      AND (invoice_number_digits = $4::text
           OR (invoice_date = $5::date AND abs(amount) = abs($6::numeric)))
    ORDER BY journal, document_number"""


async def registered_open_items(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, candidate: Registered
) -> list[Registered]:
    """The books' open items of the candidate's counterparty that may be its duplicate (the same
    invoice number digits, or the same date and amount): a superset of those `find_duplicate`
    matches, so the counterparty's other open items are not read for every document."""
    if not candidate.counterparty_number:
        return []
    rows = await connection.fetch(
        REGISTERED_OPEN_ITEMS_SQL,
        office_id,
        dossier_id,
        candidate.counterparty_number,
        number_digits(candidate.invoice_number),
        candidate.invoice_date,
        candidate.total_incl_vat,
    )
    return [
        Registered(
            counterparty_number=row["counterparty_number"],
            counterparty_vat=None,
            invoice_number=row["invoice_number"],
            invoice_date=row["invoice_date"],
            total_incl_vat=row["amount"],
            where=f"open item {row['journal']}/{row['document_number']} in the books",
        )
        for row in rows
    ]


async def suspense_accounts(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> set[str]:
    """The dossier's suspense accounts (shown in red), or the seed's 999999 when none is known."""
    rows = await connection.fetch(
        """SELECT code FROM ledger_master_data WHERE office_id = $1 AND dossier_id = $2
           AND kind = 'account' AND (record->>'suspense')::boolean""",
        office_id,
        dossier_id,
    )
    return {row["code"] for row in rows} or {"999999"}


async def suspense_accounts_by_dossier(
    connection: asyncpg.Connection, office_id: UUID, dossier_ids: Sequence[UUID]
) -> dict[UUID, set[str]]:
    """`suspense_accounts` of several dossiers at once (the office-wide list)."""
    rows = await connection.fetch(
        """SELECT dossier_id, code FROM ledger_master_data
           WHERE office_id = $1 AND dossier_id = ANY($2::uuid[])
           AND kind = 'account' AND (record->>'suspense')::boolean""",
        office_id,
        list(dossier_ids),
    )
    found: dict[UUID, set[str]] = {}
    for row in rows:
        found.setdefault(row["dossier_id"], set()).add(row["code"])
    return {dossier: found.get(dossier) or {"999999"} for dossier in dossier_ids}
