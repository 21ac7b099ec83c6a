"""Sending a proposal to the books: only Ok and Checked proposals whose details are complete
and whose lines add up; the result is the proposal.validated.v1 that sync posts. A booking
deleted from the books brings its proposal back to be validated again."""

from dataclasses import replace
from decimal import Decimal

from ledgerline.events import ProposalLine, ProposalValidated, ProposalVatLine

from worklist.domain.booking import Booking
from worklist.domain.editing import InvalidReference, check_journal, check_lines, check_period
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import lines_total, vat_lines
from worklist.domain.statuses import SENDABLE, STATUS_LABELS


class NotSendable(Exception):
    """Why the proposal cannot be sent now (409)."""


def validated_event(booking: Booking, ledger: LedgerData, validated_by: str) -> ProposalValidated:
    status = booking.status(ledger)
    if status not in SENDABLE:
        raise NotSendable(
            f"proposal {booking.id} is {STATUS_LABELS[status]}: only Ok and Checked proposals "
            "can be sent"
        )
    missing = [
        name
        for name in ("invoice_date", "currency", "total_excl_vat", "total_vat", "total_incl_vat")
        if getattr(booking, name) is None
    ]
    if not (booking.counterparty_number or booking.counterparty_vat or booking.counterparty_name):
        missing.insert(0, "counterparty")
    if booking.period is None:
        missing.append("period")
    if missing:
        raise NotSendable(f"proposal {booking.id} lacks: {', '.join(missing)}")
    try:
        check_journal(ledger, booking.journal)
        check_period(ledger, booking.period or "")
        check_lines(ledger, booking.lines)
    except InvalidReference as exc:
        raise NotSendable(f"proposal {booking.id}: {exc}") from exc
    assert booking.total_incl_vat is not None and booking.currency is not None
    if booking.lines and lines_total(booking.lines) != booking.total_incl_vat:
        raise NotSendable(
            f"proposal {booking.id}: the detail lines add up to {lines_total(booking.lines)}, "
            f"the invoice total is {booking.total_incl_vat}"
        )
    if booking.currency != "EUR":
        journal = ledger.journal(booking.journal)
        if journal is not None and not journal.foreign_currency_allowed:
            raise NotSendable(
                f"journal {booking.journal} does not allow foreign currency ({booking.currency})"
            )
        if booking.exchange_rate is None:
            raise NotSendable(
                f"proposal {booking.id} is in {booking.currency}: give the day's exchange rate"
            )
    credit_note = booking.document_type == "credit_note"

    def sign(value: Decimal) -> Decimal:
        # Credit notes travel with positive amounts and `credit_note`; sync reverses them.
        return abs(value) if credit_note else value

    return ProposalValidated(
        proposal_id=booking.id,
        document_id=booking.document_id,
        journal=booking.journal,
        period=booking.period,
        counterparty_name=booking.counterparty_name,
        counterparty_vat=booking.counterparty_vat,
        counterparty_number=booking.counterparty_number,
        invoice_number=booking.invoice_number,
        invoice_date=booking.invoice_date,
        due_date=booking.due_date,
        currency=booking.currency,
        exchange_rate=booking.exchange_rate if booking.currency != "EUR" else None,
        total_excl_vat=sign(booking.total_excl_vat),
        total_vat=sign(booking.total_vat),
        total_incl_vat=sign(booking.total_incl_vat),
        validated_by=validated_by,
        document_type="credit_note" if credit_note else "invoice",
        structured_communication=booking.payment_reference,
        new_counterparty=booking.counterparty_number is None,
        lines=tuple(
            ProposalLine(
                gl_account=line.gl_account,
                amount_excl_vat=sign(line.amount_excl_vat),
                vat_code=line.vat_code,
                vat_amount=sign(line.vat_amount),
                description=line.comment or line.description,
            )
            for line in booking.lines
        ),
        vat_lines=tuple(
            ProposalVatLine(vat_code=code, base=sign(base), vat_amount=sign(vat))
            for code, base, vat in vat_lines(booking.lines)
        ),
    )


def deletion_applies(
    stage: str, booked_as: tuple[str | None, str | None], deleted: tuple[str, str]
) -> bool:
    """Whether booking.deleted.v1 (journal, document number) is about the proposal's booking
    as the worklist has it: a deletion told twice, or about an earlier booking of a proposal
    sent and booked again since, changes nothing."""
    return stage == "booked" and booked_as == deleted


def back_from_the_books(booking: Booking) -> Booking:
    """The proposal of a booking deleted from the books: in the worklist again, to be
    corrected, validated (checked) and sent again."""
    return replace(booking, stage="open", checked=False)


def deletion_message(journal: str, document_number: str, reason: str | None) -> str:
    """What the office reads on the proposal (its booking_error) after the deletion."""
    message = f"deleted in the books ({journal}/{document_number})"
    return f"{message}: {reason}" if reason else message
