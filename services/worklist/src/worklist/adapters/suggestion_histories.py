"""Each dossier's learnt history, kept in memory per process and brought up to date from
PostgreSQL before use: the first use of a dossier learns all its posted bookings, later uses
only the bookings posted since."""

import asyncio
from collections import OrderedDict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from worklist.adapters.booking_history import history_after
from worklist.domain.suggestions import (
    DossierHistory,
    InvoiceHeader,
    PastBooking,
    PastLine,
    ProposedLines,
)

# Learning more bookings than this at once goes to a thread, so the event loop stays free.
IN_THREAD_FROM = 50


@dataclass
class _Entry:
    history: DossierHistory = field(default_factory=DossierHistory)
    learnt_up_to: int = 0
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class HistoryCache:
    def __init__(self, max_dossiers: int = 64) -> None:
        self._max_dossiers = max_dossiers
        self._entries: OrderedDict[tuple[UUID, UUID], _Entry] = OrderedDict()

    @asynccontextmanager
    async def history(
        self, connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
    ) -> AsyncIterator[DossierHistory]:
        """The dossier's history, up to date, for use inside the block (no one learns into it
        meanwhile)."""
        key = (office_id, dossier_id)
        entry = self._entries.get(key)
        if entry is None:
            entry = self._entries[key] = _Entry()
            while len(self._entries) > self._max_dossiers:
                self._entries.popitem(last=False)
        self._entries.move_to_end(key)
        async with entry.lock:
            rows = await history_after(connection, office_id, dossier_id, entry.learnt_up_to)
            if rows:
                rates = await vat_rates(connection, office_id, dossier_id)
                bookings = [past_booking(row, rates) for row in rows]
                if len(bookings) >= IN_THREAD_FROM:
                    await asyncio.to_thread(_learn, entry.history, bookings)
                else:
                    _learn(entry.history, bookings)
                entry.learnt_up_to = rows[-1]["history_seq"]
            yield entry.history


def _learn(history: DossierHistory, bookings: list[PastBooking]) -> None:
    for booking in bookings:
        history.learn(booking)


async def vat_rates(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID
) -> dict[str, Decimal]:
    """The rate of each of the dossier's VAT codes (from its synced master data)."""
    rows = await connection.fetch(
        """SELECT code, record->>'rate' AS rate FROM ledger_master_data
        WHERE office_id = $1 AND dossier_id = $2 AND kind = 'vat_code'""",
        office_id,
        dossier_id,
    )
    return {row["code"]: Decimal(row["rate"]) for row in rows if row["rate"] is not None}


def past_booking(row: dict[str, Any], rates: dict[str, Decimal]) -> PastBooking:
    return PastBooking(
        booking_id=str(row["proposal_id"]),
        counterparty_number=row["counterparty"],
        booked_on=row["booked_on"],
        lines=tuple(
            PastLine(
                gl_account=line["gl_account"],
                vat_code=line.get("vat_code"),
                amount_excl_vat=Decimal(str(line["amount_excl_vat"])),
                description=line.get("description"),
                vat_rate=rates.get(line.get("vat_code") or ""),
            )
            for line in row["lines"]
        ),
    )


HISTORIES = HistoryCache()


async def propose_lines(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    counterparty_number: str | None,
    header: InvoiceHeader,
) -> ProposedLines | None:
    """Detail lines for a new invoice from the dossier's posted history (templates, else the
    learnt model); None when the history has nothing, and the caller keeps its own default.

    Only for a counterparty the history has booked: for any other, what the books say of it
    (its default GL account and VAT code) is better evidence than other suppliers' lines."""
    if not counterparty_number:
        return None  # no history to ask (and none to bring up to date for it)
    async with HISTORIES.history(connection, office_id, dossier_id) as history:
        if counterparty_number not in history.by_counterparty:
            return None
        return history.propose(counterparty_number, header)
