"""The seam where detail lines are proposed.

A `LineProposer` is asked first (templates after three bookings, suggestions learnt from the
dossier's history: another package plugs in here by appending to `LINE_PROPOSERS`); one that
has no proposal answers None and the next is asked. The last word is the default: one line per
VAT rate of the recognised breakdown on the counterparty's defaults (else suspense 999999).
Whatever a proposer answers, the VAT of unlocked lines is recomputed from the VAT codes."""

from typing import Protocol

import asyncpg

from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine, LineRequest, default_lines, recompute


class LineProposer(Protocol):
    async def propose_lines(
        self, connection: asyncpg.Connection, request: LineRequest, ledger: LedgerData
    ) -> list[DetailLine] | None: ...


LINE_PROPOSERS: list[LineProposer] = []


async def lines_for(
    connection: asyncpg.Connection, request: LineRequest, ledger: LedgerData
) -> list[DetailLine]:
    for proposer in LINE_PROPOSERS:
        lines = await proposer.propose_lines(connection, request, ledger)
        if lines is not None:
            return recompute(lines, ledger)
    return default_lines(request, ledger)
