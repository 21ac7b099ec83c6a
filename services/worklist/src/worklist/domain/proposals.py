"""Turning a recognised, submitted document into an enriched booking proposal, in two steps:
`enrich` finds the counterparty, journal and period and says what the detail lines are asked
for; `propose` puts the lines (from a line proposer), duplicates and warnings together."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import RecognitionSource

from worklist.domain.booking_details import choose_journal, choose_period
from worklist.domain.confidence import confidence
from worklist.domain.duplicates import Registered
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import (
    BreakdownRate,
    DetailLine,
    LineRequest,
    LinesSource,
    RecognisedLine,
)
from worklist.domain.matching import CounterpartyMatch, MatchedBy, match_counterparty
from worklist.domain.review import review
from worklist.domain.statuses import auto_status
from worklist.domain.warnings import Warning


@dataclass(frozen=True)
class Enrichment:
    mailbox: str
    match: CounterpartyMatch
    counterparty_name: str | None
    counterparty_vat: str | None
    journal: str
    period: str | None
    line_request: LineRequest


def direction_of(mailbox: str) -> Literal["purchase", "sales"]:
    # Sales are booked on the customer; purchases and misc documents on the supplier.
    return "sales" if mailbox == "sales" else "purchase"


def enrich(
    recognition: DocumentRecognized,
    *,
    dossier_id: UUID,
    mailbox: str,
    ledger: LedgerData,
    journal: str | None = None,
) -> Enrichment:
    """`journal`: the one the client chose by mailing its address (`choose_journal`)."""
    invoice = recognition.invoice
    fields = invoice.fields if invoice else None
    direction = direction_of(mailbox)
    if fields is None:
        name = vat = iban = None
    elif direction == "sales":
        name, vat, iban = fields.customer_name, fields.customer_vat, None
    else:
        name, vat, iban = fields.supplier_name, fields.supplier_vat, fields.iban
    match = match_counterparty(
        ledger, "customer" if direction == "sales" else "supplier", vat=vat, iban=iban, name=name
    )
    party = match.counterparty
    journal = choose_journal(
        ledger,
        mailbox,
        fields.document_type if fields else None,
        fields.currency if fields else None,
        preferred=journal,
    )
    return Enrichment(
        mailbox=mailbox,
        match=match,
        counterparty_name=party.name if party else name,
        counterparty_vat=(party.vat_number if party and party.vat_number else vat),
        journal=journal,
        period=choose_period(ledger, journal, fields.issue_date if fields else None),
        line_request=LineRequest(
            dossier_id=dossier_id,
            direction=direction,
            counterparty_number=party.number if party else None,
            default_gl_account=party.default_gl_account if party else None,
            default_vat_code=party.default_vat_code if party else None,
            currency=fields.currency if fields else None,
            total_excl_vat=fields.total_excl_vat if fields else None,
            total_vat=fields.total_vat if fields else None,
            total_incl_vat=fields.total_incl_vat if fields else None,
            vat_breakdown=tuple(
                BreakdownRate(b.rate, b.taxable_amount, b.vat_amount)
                for b in (invoice.vat_breakdown if invoice else ())
            ),
            descriptions=tuple(
                line.description for line in (invoice.lines if invoice else ()) if line.description
            ),
            invoice_lines=tuple(
                RecognisedLine(line.description, line.net_amount, line.vat_rate)
                for line in (invoice.lines if invoice else ())
                if line.net_amount is not None
            ),
        ),
    )


@dataclass(frozen=True)
class ProposalDraft:
    source: RecognitionSource  # as recognition says it read the document
    recognition_status: str
    status: str
    document_type: str | None
    mailbox: str
    journal: str
    period: str | None
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    counterparty_name: str | None
    counterparty_vat: str | None
    counterparty_number: str | None
    counterparty_match: MatchedBy | None
    currency: str | None
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    iban: str | None
    payment_reference: str | None
    detail_lines: tuple[DetailLine, ...]
    lines_source: LinesSource
    possible_duplicate: bool
    warnings: tuple[Warning, ...]
    confidence: Decimal

    @property
    def counterparty_known(self) -> bool:
        return self.counterparty_number is not None


def propose(
    recognition: DocumentRecognized,
    enrichment: Enrichment,
    *,
    ledger: LedgerData,
    lines: Sequence[DetailLine],
    duplicate_of: Registered | None,
    lines_source: LinesSource,
    earlier_sales_numbers: Sequence[str] = (),
    sales_sequence_check: bool = True,
) -> ProposalDraft:
    invoice = recognition.invoice
    fields = invoice.fields if invoice else None
    match = enrichment.match
    issue_date = fields.issue_date if fields else None
    warnings = review(
        ledger=ledger,
        invoice_date=issue_date,
        period=enrichment.period,
        lines=lines,
        total_incl_vat=fields.total_incl_vat if fields else None,
        duplicate_of=duplicate_of.where if duplicate_of else None,
        sales_invoice_number=(
            fields.invoice_number if fields and enrichment.mailbox == "sales" else None
        ),
        earlier_sales_numbers=earlier_sales_numbers,
        sales_sequence_check=sales_sequence_check,
    )
    on_suspense = not lines or any(ledger.is_suspense(line.gl_account) for line in lines)
    period = ledger.period(enrichment.period)
    in_period = bool(
        period is None or (issue_date is not None and period.start <= issue_date <= period.end)
    )
    return ProposalDraft(
        source=recognition.source,
        recognition_status=recognition.status,
        status=auto_status(recognition.status, match.known, duplicate_of is not None),
        document_type=fields.document_type if fields else None,
        mailbox=enrichment.mailbox,
        journal=enrichment.journal,
        period=enrichment.period,
        invoice_number=fields.invoice_number if fields else None,
        invoice_date=issue_date,
        due_date=fields.due_date if fields else None,
        counterparty_name=enrichment.counterparty_name,
        counterparty_vat=enrichment.counterparty_vat,
        counterparty_number=match.counterparty.number if match.counterparty else None,
        counterparty_match=match.matched_by,
        currency=fields.currency if fields else None,
        total_excl_vat=fields.total_excl_vat if fields else None,
        total_vat=fields.total_vat if fields else None,
        total_incl_vat=fields.total_incl_vat if fields else None,
        iban=fields.iban if fields else None,
        payment_reference=fields.payment_reference if fields else None,
        detail_lines=tuple(lines),
        lines_source=lines_source,
        possible_duplicate=duplicate_of is not None,
        warnings=tuple(warnings),
        confidence=confidence(recognition.confidence, match.matched_by, on_suspense, in_period),
    )
