"""A service's copy of a dossier's counterparties, kept from `ledger.synced.v1`.

The worklist (enrichment) and approvals (supplier rules) both keep one, in a table of the same
shape in their own database (`ledger_counterparties`, see `COUNTERPARTIES_TABLE`). The messages
come as sync runs cut into chunks: each chunk's records are upserted with the run's id; removed
counterparties are deleted; after the last chunk of a full resync, every row another run wrote is
gone from the books and is deleted. A counts-only message (no sync id) carries no records.
"""

from collections.abc import Iterable
from uuid import UUID

import asyncpg

from ledgerline.events import Counterparty, Envelope, LedgerSynced

# The table each service creates in a migration of its own (the services share no database).
COUNTERPARTIES_TABLE = """
CREATE TABLE ledger_counterparties (
    office_id          uuid   NOT NULL,
    dossier_id         uuid   NOT NULL,
    number             text   NOT NULL,
    kind               text   NOT NULL,
    name               text   NOT NULL,
    vat_number         text,
    ibans              text[] NOT NULL DEFAULT '{}',
    currency           text   NOT NULL,
    default_gl_account text,
    default_vat_code   text,
    sync_id            uuid   NOT NULL,
    PRIMARY KEY (office_id, dossier_id, number)
);
CREATE INDEX ledger_counterparties_by_vat
    ON ledger_counterparties (office_id, dossier_id, vat_number);
"""


async def upsert_counterparties(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    counterparties: Iterable[Counterparty],
) -> None:
    await connection.executemany(
        """INSERT INTO ledger_counterparties (office_id, dossier_id, number, kind, name, vat_number,
                ibans, currency, default_gl_account, default_vat_code, sync_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (office_id, dossier_id, number) DO UPDATE SET
            kind = EXCLUDED.kind, name = EXCLUDED.name, vat_number = EXCLUDED.vat_number,
            ibans = EXCLUDED.ibans, currency = EXCLUDED.currency,
            default_gl_account = EXCLUDED.default_gl_account,
            default_vat_code = EXCLUDED.default_vat_code, sync_id = EXCLUDED.sync_id""",
        [
            (
                office_id,
                dossier_id,
                party.number,
                party.kind,
                party.name,
                party.vat_number,
                list(party.ibans),
                party.currency,
                party.default_gl_account,
                party.default_vat_code,
                sync_id,
            )
            for party in counterparties
        ],
    )


async def remove_counterparties(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, numbers: list[str]
) -> None:
    await connection.execute(
        """DELETE FROM ledger_counterparties
        WHERE office_id = $1 AND dossier_id = $2 AND number = ANY($3::text[])""",
        office_id,
        dossier_id,
        numbers,
    )


async def remove_stale(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    sync_id: UUID,
    tables: Iterable[str] = ("ledger_counterparties",),
) -> None:
    """After the last chunk of a full resync: what the run did not send is gone from the books.
    `tables` are the service's copies written with the run's id (names from code, never input)."""
    for table in tables:
        await connection.execute(
            f"DELETE FROM {table} WHERE office_id = $1 AND dossier_id = $2 AND sync_id <> $3",
            office_id,
            dossier_id,
            sync_id,
        )


async def keep_counterparties(
    connection: asyncpg.Connection, event: Envelope[LedgerSynced]
) -> None:
    """One chunk applied to the copy: upserts, removals, and after the last chunk of a full
    resync the counterparties the run did not send removed."""
    data = event.data
    if data.sync_id is None:
        return
    office_id, dossier_id = event.officeid, event.dossierid
    await upsert_counterparties(
        connection, office_id, dossier_id, data.sync_id, data.counterparty_records
    )
    if data.removed_counterparties:
        await remove_counterparties(
            connection, office_id, dossier_id, list(data.removed_counterparties)
        )
    if data.full and data.last_chunk:
        await remove_stale(connection, office_id, dossier_id, data.sync_id)
