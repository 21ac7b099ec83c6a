"""A proposal as the office edits, checks and sends it."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine, LinesSource
from worklist.domain.statuses import ProposalState, Stage, status_of


@dataclass(frozen=True)
class Booking:
    id: UUID
    document_id: UUID
    mailbox: str
    document_type: str | None
    journal: str
    period: str | None
    counterparty_number: str | None
    counterparty_name: str | None
    counterparty_vat: str | None
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    currency: str | None
    exchange_rate: Decimal | None
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    payment_reference: str | None
    financial_discount: Decimal | None
    labels: tuple[str, ...]
    booking_instruction: str | None
    lines: tuple[DetailLine, ...]
    auto_status: str
    checked: bool
    on_hold: bool
    help_asked: bool
    stage: Stage
    lines_source: LinesSource

    def on_suspense(self, ledger: LedgerData) -> bool:
        """Booked "without detail" (no lines) or with a line on the suspense account."""
        return not self.lines or any(ledger.is_suspense(line.gl_account) for line in self.lines)

    def status(self, ledger: LedgerData) -> str:
        return status_of(
            ProposalState(
                auto_status=self.auto_status,
                checked=self.checked,
                on_suspense=self.on_suspense(ledger),
                on_hold=self.on_hold,
                help_asked=self.help_asked,
                stage=self.stage,
            )
        )
