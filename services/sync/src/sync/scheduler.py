"""The nightly sync: every active dossier with an in-process connector whose nightly sync is
on (a dossier setting, on by default), once a day; a Kafka-connected one is asked of its
external connector (ledger.sync-requested.v1).

Runs inside each sync process that runs consumers; the day is claimed in PostgreSQL, so that
with several sync processes the night's run happens once. Each dossier is synchronised in its
own transaction: one dossier whose package is down does not stop the others, and is recorded as
a failed run with the reason.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from fastapi import FastAPI
from ledgerline.db import UnitOfWork
from uuid_utils.compat import uuid7

from sync.adapters import ledger
from sync.adapters.connectors import IN_PROCESS_PACKAGES
from sync.config import SyncSettings
from sync.connectors.contract import ConnectorUnavailable
from sync.domain.schedule import next_nightly_run
from sync.service_layer import synchronise

log = logging.getLogger(__name__)


async def run_nightly(pool: asyncpg.Pool, settings: SyncSettings, day: date) -> int | None:
    """The night's sync of `day`; None when another process (or an earlier run) had it.
    Returns the number of dossiers synchronised."""
    claimed = await pool.fetchval(
        "INSERT INTO nightly_runs (day) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true", day
    )
    if not claimed:
        return None
    rows = await pool.fetch(
        """SELECT * FROM dossiers
        WHERE active AND nightly_sync
              AND (connector = 'kafka' OR accounting_package = ANY($1::text[]))
        ORDER BY office_id, id""",
        sorted(IN_PROCESS_PACKAGES),
    )
    for dossier in rows:
        try:
            async with UnitOfWork(pool, source="sync") as uow:
                await synchronise(uow, dossier, settings, trigger="nightly")
        except ConnectorUnavailable as exc:
            async with UnitOfWork(pool, source="sync") as uow:
                await ledger.record_sync(
                    uow.conn,
                    {
                        "id": uuid7(),
                        "office_id": dossier["office_id"],
                        "dossier_id": dossier["id"],
                        "trigger": "nightly",
                        "status": "failed",
                        "full_resync": True,
                        "reason": exc.reason,
                    },
                )
    return len(rows)


async def nightly_loop(pool: asyncpg.Pool, settings: SyncSettings) -> None:
    while True:
        now = datetime.now(UTC)
        wake = next_nightly_run(now, settings.nightly_sync_time)
        await asyncio.sleep((wake - now).total_seconds())
        try:
            count = await run_nightly(pool, settings, wake.date())
            log.info("nightly sync of %s: %s dossiers", wake.date(), count)
        except Exception:  # the loop must survive a bad night; the next one tries again
            log.exception("nightly sync of %s failed", wake.date())


@asynccontextmanager
async def nightly_sync_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Started after the service's runtime (FastAPI enters the app's lifespan first)."""
    settings: Any = app.state.settings
    task = None
    if settings.nightly_sync and settings.run_consumers:
        log.info("nightly sync every day at %s UTC", settings.nightly_sync_time)
        task = asyncio.create_task(
            nightly_loop(app.state.runtime.pool, settings), name="nightly-sync"
        )
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
