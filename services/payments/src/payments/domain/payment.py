"""Payments of invoices: what a new payment is prefilled with, and never paying twice."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from stdnum import iso11649
from stdnum.be import ogm_vcs


class PaymentStatus(StrEnum):
    AWAITING_APPROVAL = "awaiting_approval"
    IN_BASKET = "in_basket"
    IN_PROCESSING = "in_processing"
    QR_ISSUED = "qr_issued"
    PAID = "paid"
    REJECTED = "rejected"


class PaymentMethod(StrEnum):
    BASKET = "basket"
    QR = "qr"


# A rejected payment no longer claims any part of the invoice.
ACTIVE_STATUSES = frozenset(PaymentStatus) - {PaymentStatus.REJECTED}


class PaymentRefused(ValueError):
    """A payment that may not be made; the message says why in one sentence."""


class AlreadyPaid(PaymentRefused):
    """The invoice's active payments already take (part of) what this payment asks."""


@dataclass(frozen=True)
class PayableInvoice:
    """What payments knows of a recognised purchase invoice."""

    invoice_number: str | None
    supplier_name: str | None
    iban: str | None
    bic: str | None
    payment_reference: str | None
    amount_due: Decimal | None
    currency: str | None


def open_amount(amount_due: Decimal, already_claimed: Decimal) -> Decimal:
    return max(amount_due - already_claimed, Decimal("0.00"))


def check_not_paying_twice(
    invoice: PayableInvoice, already_claimed: Decimal, amount: Decimal
) -> None:
    """Refuses a payment that would take the invoice's active payments above its amount due."""
    if invoice.amount_due is None:
        return
    remaining = open_amount(invoice.amount_due, already_claimed)
    number = f"invoice {invoice.invoice_number}" if invoice.invoice_number else "the invoice"
    if remaining == 0:
        raise AlreadyPaid(
            f"{number} is already paid or being paid ({already_claimed} of {invoice.amount_due})"
        )
    if amount > remaining:
        raise AlreadyPaid(
            f"{amount} is more than the open amount {remaining} of {number} "
            f"({already_claimed} already being paid)"
        )


def remittance_for(invoice: PayableInvoice) -> tuple[str, str | None]:
    """The communication a payment carries: the structured reference when the invoice has a valid
    OGM or RF, else the invoice number as free text, else none."""
    reference = invoice.payment_reference
    if reference:
        digits = "".join(ch for ch in reference if ch.isdigit())
        if len(digits) == 12 and ogm_vcs.is_valid(digits):
            return "structured", digits
        if iso11649.is_valid(reference):
            return "structured", iso11649.compact(reference)
        return "unstructured", reference[:140]
    if invoice.invoice_number:
        return "unstructured", f"Invoice {invoice.invoice_number}"[:140]
    return "none", None


def execution_date_or_today(requested: date | None, today: date) -> date:
    return requested if requested is not None and requested > today else today
