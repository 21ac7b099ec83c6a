"""The seam where detail lines are proposed.

The proposers are asked in turn; one that has no proposal answers None and the next is asked.
First the dossier's own history (`LearntLines`: the counterparty's template after three
bookings, else GL account and VAT code learnt from the dossier's posted bookings), then the
default: one line per VAT rate of the recognised breakdown on the counterparty's defaults (else
suspense 999999). Whatever a proposer answers, the VAT of unlocked lines is recomputed from the
VAT codes, and the invoice's own VAT rounding is kept on the largest line.

Each answer says where its lines came from (`LinesSource`: template, model, default or
suspense); the proposal shows it as `lines_source`, and an edit of the lines makes it manual."""

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol
from uuid import UUID

import asyncpg

from worklist.adapters import suggestion_histories
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import (
    DetailLine,
    LineRequest,
    LinesSource,
    default_lines,
    default_lines_source,
    recompute,
    settle_rounding,
)
from worklist.domain.suggestions import InvoiceHeader, InvoiceLine


@dataclass(frozen=True)
class LinesProposal:
    lines: list[DetailLine]
    source: LinesSource


class LineProposer(Protocol):
    async def propose_lines(
        self,
        connection: asyncpg.Connection,
        office_id: UUID,
        request: LineRequest,
        ledger: LedgerData,
    ) -> LinesProposal | None: ...


class LearntLines:
    """Lines from the dossier's posted bookings: a template, or the learnt model's GL account
    and VAT code per line; None when the history knows nothing that fits."""

    async def propose_lines(
        self,
        connection: asyncpg.Connection,
        office_id: UUID,
        request: LineRequest,
        ledger: LedgerData,
    ) -> LinesProposal | None:
        if request.total_excl_vat is None:
            return None
        header = InvoiceHeader(
            total_excl_vat=request.total_excl_vat,
            vat_breakdown=tuple(
                (rate.rate, rate.taxable_amount)
                for rate in request.vat_breakdown
                if rate.rate is not None
            ),
            lines=tuple(
                InvoiceLine(line.description, line.net_amount, line.vat_rate)
                for line in request.invoice_lines
            ),
        )
        proposed = await suggestion_histories.propose_lines(
            connection, office_id, request.dossier_id, request.counterparty_number, header
        )
        if proposed is None or not all(
            ledger.account(line.gl_account) is not None for line in proposed.lines
        ):
            return None  # a booking on an account the books no longer have is no proposal
        lines = [
            DetailLine(
                gl_account=line.gl_account,
                amount_excl_vat=line.amount_excl_vat,
                vat_code=line.vat_code,
                vat_amount=Decimal("0.00"),
                description=line.description,
            )
            for line in proposed.lines
        ]
        return LinesProposal(lines, proposed.source)


LINE_PROPOSERS: list[LineProposer] = [LearntLines()]


async def lines_for(
    connection: asyncpg.Connection, office_id: UUID, request: LineRequest, ledger: LedgerData
) -> LinesProposal:
    for proposer in LINE_PROPOSERS:
        proposed = await proposer.propose_lines(connection, office_id, request, ledger)
        if proposed is not None:
            lines = settle_rounding(recompute(proposed.lines, ledger), request.total_vat)
            return LinesProposal(lines, proposed.source)
    lines = default_lines(request, ledger)
    return LinesProposal(lines, default_lines_source(lines, ledger))
