"""PostgreSQL access: the asyncpg pool, the unit of work, and migrations (Alembic)."""

import json
import logging
from collections.abc import Awaitable, Callable, Hashable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any, Self, TypeVar
from uuid import UUID

import asyncpg

from ledgerline.claimcheck import ClaimCheck, store_event_data, to_outbox_message
from ledgerline.events import Envelope, EventData, spec_for
from ledgerline.observability import current_flow
from ledgerline.outbox_doorbell import RelayDoorbell

log = logging.getLogger(__name__)
T = TypeVar("T")

WRITE_OUTBOX_SQL = """
INSERT INTO outbox (event_id, topic, message_key, payload, office_id, correlation_id)
SELECT event_id, topic, message_key, payload, office_id, correlation_id
FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::uuid[], $6::text[])
     WITH ORDINALITY AS e (event_id, topic, message_key, payload, office_id,
                             correlation_id, position)
ORDER BY position
"""


async def create_pool(dsn: str, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    async def init(connection: asyncpg.Connection) -> None:
        await connection.set_type_codec(
            "jsonb", encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )

    return await asyncpg.create_pool(
        dsn, min_size=min_size, max_size=max_size, init=init, reset=_keep_session
    )


async def _keep_session(connection: asyncpg.Connection) -> None:
    """Resets nothing when a connection goes back to the pool.

    asyncpg's default reset sends `RESET ALL; UNLISTEN *; CLOSE ALL; pg_advisory_unlock_all()`
    on every release: a round trip per acquire, ~1/6 of ingest's CPU per upload. Ledgerline
    keeps no session state on pooled connections (transaction-scoped advisory locks only, no
    SET, no cursors; the relay removes its LISTEN itself), and asyncpg still rolls back an open
    transaction and drops listeners before calling this."""


class UnitOfWork:
    """One transaction: the state change and the events it causes commit together."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        source: str,
        claim_check: ClaimCheck | None = None,
        doorbell: RelayDoorbell | None = None,
    ) -> None:
        self._pool = pool
        # A process's units of work share one (see RelayDoorbell); alone, it rings for itself.
        self._doorbell = doorbell or RelayDoorbell(pool)
        self._source = source
        # None: data always inline (only for tests and tools; services pass their settings)
        self._claim_check = claim_check
        self._connection: asyncpg.Connection | None = None
        self._transaction: asyncpg.transaction.Transaction | None = None
        self._events: list[Envelope[EventData]] = []
        # Reads a transaction's handlers share (a consumer batch is one transaction): only of
        # data those handlers do not change; gone with the transaction.
        self.cache: dict[Hashable, Any] = {}

    async def once(self, key: Hashable, load: Callable[[], Awaitable[T]]) -> T:
        """What `load()` returns, loaded once per transaction under `key` (see `cache`)."""
        if key not in self.cache:
            self.cache[key] = await load()
        return self.cache[key]  # type: ignore[no-any-return]

    @property
    def conn(self) -> asyncpg.Connection:
        assert self._connection is not None, "use the unit of work as `async with`"
        return self._connection

    async def __aenter__(self) -> Self:
        self._connection = await self._pool.acquire()
        self._transaction = self._connection.transaction()
        await self._transaction.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._connection is not None and self._transaction is not None
        try:
            if exc_type is None:
                wrote_events = await self._write_outbox()
                await self._transaction.commit()
                if wrote_events:
                    self._doorbell.ring()
            else:
                await self._transaction.rollback()
        finally:
            await self._pool.release(self._connection)
            self._connection = None

    def emit(
        self,
        data: EventData,
        *,
        dossier_id: object,
        office_id: object,
        subject: str | None = None,
    ) -> Envelope[EventData]:
        """Record an event; it is written to the outbox in this transaction."""
        flow = current_flow()
        # Parametrise by the concrete class, so the data serialises with all its fields.
        envelope = Envelope[type(data)](  # type: ignore[misc]
            source=f"/ledgerline/{self._source}",
            type=spec_for(data).type,
            subject=subject,
            dossierid=dossier_id,
            officeid=office_id,
            correlationid=flow.correlation_id,
            causationid=flow.causation_id,
            data=data,
        )
        self._events.append(envelope)
        return envelope

    async def _write_outbox(self) -> bool:
        if not self._events:
            return False
        rows: list[tuple[object, ...]] = []
        stored: list[tuple[UUID, UUID, UUID, str]] = []
        for envelope in self._events:
            message = to_outbox_message(envelope, self._claim_check)
            if message.stored_data is not None:
                stored.append(
                    (envelope.id, envelope.officeid, envelope.dossierid, message.stored_data)
                )
            spec = spec_for(envelope.data)
            rows.append(
                (
                    envelope.id,
                    spec.topic,
                    spec.message_key(envelope.data, envelope.dossierid),
                    message.payload,
                    envelope.officeid,
                    envelope.correlationid,
                )
            )
        if stored:
            await store_event_data(self.conn, stored)
        # The rows in emit order, which becomes their id order.
        columns = list(zip(*rows, strict=True))
        await self.conn.execute(WRITE_OUTBOX_SQL, *columns)
        self._events.clear()
        return True


async def retried_on_deadlock(operation: Callable[[], Awaitable[T]], attempts: int = 3) -> T:
    """Runs `operation` (one whole unit of work) again when PostgreSQL chose its transaction as
    the victim of a deadlock: that transaction was rolled back whole, and running it again is
    what PostgreSQL asks for. A consumer's batch updates its messages' rows in offset order,
    so a request that locks several of the same rows (in id order) can meet it the other way
    round; the consumer, when it is the victim, handles its batch again one message at a time."""
    for attempt in range(1, attempts + 1):
        try:
            return await operation()
        except asyncpg.DeadlockDetectedError:
            if attempt == attempts:
                raise
            log.warning(
                "deadlock (attempt %d of %d); running the transaction again", attempt, attempts
            )
    raise AssertionError("unreachable")


def alembic_url(dsn: str) -> str:
    """Migrations run synchronously through psycopg, which accepts multi-statement DDL."""
    for scheme in ("postgresql://", "postgres://"):
        if dsn.startswith(scheme):
            return "postgresql+psycopg://" + dsn.removeprefix(scheme)
    return dsn


def run_migrations(dsn: str, versions_dir: Path, revision: str = "head") -> None:
    """Upgrade a service's database to `revision` with Alembic (synchronous; run before serving)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    config.set_main_option("version_locations", str(versions_dir))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = alembic_url(dsn)
    command.upgrade(config, revision)


async def insert_row(
    connection: asyncpg.Connection,
    table: str,
    values: Mapping[str, object],
    *,
    returning: str = "*",
    on_conflict: str = "",
) -> asyncpg.Record | None:
    """INSERT one row from a column → value mapping. Table and column names come from code,
    never from a request; only the values are parameters."""
    columns = ", ".join(values)
    placeholders = ", ".join(f"${index}" for index in range(1, len(values) + 1))
    return await connection.fetchrow(
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) {on_conflict} RETURNING {returning}",
        *values.values(),
    )
