"""Payments of invoices: what a new payment is prefilled with, and never paying twice."""

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

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


class NotASupplierInvoice(PaymentRefused):
    """The document is not a purchase invoice of the dossier (e.g. it came to the sales mailbox)."""


_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")


def identity_key(value: str | None) -> str | None:
    """A number, VAT number, IBAN or name as compared between documents: ASCII letters and digits
    only, upper case ("FA-2024/001" and "fa 2024 001" are the same). The migration that fills
    keys of earlier invoices does the same in SQL: upper(regexp_replace(v, '[^0-9A-Za-z]', '', 'g'))."""
    if value is None:
        return None
    return _NOT_ALNUM.sub("", value).upper() or None


@dataclass(frozen=True)
class InvoiceIdentity:
    """What makes two documents the same invoice: the supplier's invoice number, and the
    supplier known by its VAT number, its IBAN or its name (an OCR'd photo may lack one of them)."""

    number: str | None
    supplier_vat: str | None
    iban: str | None
    supplier_name: str | None

    @classmethod
    def of(
        cls,
        invoice_number: str | None,
        supplier_vat: str | None,
        iban: str | None,
        supplier_name: str | None,
    ) -> "InvoiceIdentity":
        return cls(
            identity_key(invoice_number),
            identity_key(supplier_vat),
            identity_key(iban),
            identity_key(supplier_name),
        )

    def same_invoice(self, other: "InvoiceIdentity") -> bool:
        """The same number from the same counterparty; without a number, nothing is the same."""
        if self.number is None or self.number != other.number:
            return False
        return any(
            mine is not None and mine == theirs
            for mine, theirs in (
                (self.supplier_vat, other.supplier_vat),
                (self.iban, other.iban),
                (self.supplier_name, other.supplier_name),
            )
        )


@dataclass(frozen=True)
class Claim:
    """An active payment of an invoice, through whichever document it was made."""

    payment_id: UUID
    document_id: UUID | None
    amount: Decimal
    status: str


def open_amount(amount_due: Decimal, already_claimed: Decimal) -> Decimal:
    return max(amount_due - already_claimed, Decimal("0.00"))


def claimed(claims: Sequence[Claim]) -> Decimal:
    return sum((claim.amount for claim in claims), Decimal("0.00"))


def check_payable_mailbox(document_id: UUID, mailbox: str | None) -> None:
    """A document delivered to the sales mailbox is an invoice the dossier sent to a customer:
    the customer pays it, the dossier must not pay it as if it were a supplier's invoice."""
    if mailbox == "sales":
        raise NotASupplierInvoice(
            f"document {document_id} was delivered to the sales mailbox: it is an invoice to a "
            "customer, not a supplier invoice to pay"
        )


class NotApproved(PaymentRefused):
    """The invoice waits for approval or was rejected (the dossier's invoice approval process)."""


def check_invoice_approved(
    document_id: UUID, approval_status: str | None, waiting_for: Sequence[str] = ()
) -> None:
    """Only an approved invoice, or one that never needed approval, is paid."""
    if approval_status == "pending":
        raise NotApproved(
            f"invoice {document_id} waits for approval by {', '.join(waiting_for) or 'others'}; "
            "only approved invoices can be paid"
        )
    if approval_status == "rejected":
        raise NotApproved(f"invoice {document_id} was rejected in approval; it cannot be paid")


def check_not_paying_twice(
    invoice: PayableInvoice, claims: Sequence[Claim], amount: Decimal
) -> None:
    """Refuses a payment that would take the invoice's active payments above its amount due.
    `claims` are the active payments of the invoice through every document of it (the PDF, its
    photo, ...), oldest first; the refusal names the first, so the user can find it."""
    if invoice.amount_due is None:
        return
    already_claimed = claimed(claims)
    remaining = open_amount(invoice.amount_due, already_claimed)
    number = f"invoice {invoice.invoice_number}" if invoice.invoice_number else "the invoice"
    first = (
        f": payment {claims[0].payment_id} ({claims[0].status}) of document {claims[0].document_id}"
        if claims
        else ""
    )
    if remaining == 0:
        raise AlreadyPaid(
            f"{number} is already paid or being paid ({already_claimed} of "
            f"{invoice.amount_due}){first}"
        )
    if amount > remaining:
        raise AlreadyPaid(
            f"{amount} is more than the open amount {remaining} of {number} "
            f"({already_claimed} already being paid){first}"
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
