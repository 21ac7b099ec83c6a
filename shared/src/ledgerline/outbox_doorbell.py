"""Waking the outbox relay after a commit that wrote events, outside that commit."""

import asyncio
import logging

import asyncpg

OUTBOX_CHANNEL = "ledgerline_outbox"

# A transaction of its own that does not wait for its commit to reach the disk: a wake-up lost
# in a crash costs at most the relay's poll interval, and the rows are already durable.
_RING_SQL = f"BEGIN; SET LOCAL synchronous_commit TO off; NOTIFY {OUTBOX_CHANNEL}; COMMIT"

log = logging.getLogger(__name__)


class RelayDoorbell:
    """Sends the outbox relay its NOTIFY after the commits that wrote outbox rows, one at a
    time: the commits that come while one is on its way share the next.

    A NOTIFY inside the writing transaction makes PostgreSQL take its one notification lock of
    the whole cluster at commit and hold it until the commit is on disk: every notifying commit
    of every database waits for the one before it, its WAL flush included, so no two of them
    share a flush, and with two consume processes per service twice the committers queue
    there. After the commit, in a transaction that does not wait for the disk, the lock is held
    for microseconds. A process that dies between its commit and the NOTIFY leaves the rows to
    the relay's next poll (`OUTBOX_POLL_SECONDS`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._rung = False
        self._ringing: asyncio.Task[None] | None = None

    def ring(self) -> None:
        """After a commit that wrote outbox rows; returns at once."""
        self._rung = True
        if self._ringing is None:
            self._ringing = asyncio.get_running_loop().create_task(self._ring())

    async def _ring(self) -> None:
        try:
            while self._rung:
                self._rung = False
                async with self._pool.acquire() as connection:
                    await connection.execute(_RING_SQL)
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            log.debug("the outbox relay was not woken (%s); its next poll finds the rows", exc)
        finally:
            self._ringing = None

    async def rung(self) -> None:
        """Returns when the NOTIFY on its way, if any, has been sent (for shutdown and tests)."""
        if self._ringing is not None:
            await asyncio.shield(self._ringing)
