"""Turning a recognised, submitted document into a booking proposal."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import RecognitionSource

# The default journals of the seeds: purchases, purchase credit notes, sales, sales credit notes.
JOURNALS = {
    ("purchase", "invoice"): "CFAAN",
    ("purchase", "credit_note"): "CFCNAK",
    ("sales", "invoice"): "CFVER",
    ("sales", "credit_note"): "CFCNVK",
}
MISC_JOURNAL = "DIV"


@dataclass(frozen=True)
class ProposalDraft:
    source: RecognitionSource  # as recognition says it read the document
    status: str
    document_type: str | None
    journal: str
    period: str | None
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    counterparty_name: str | None
    counterparty_vat: str | None
    counterparty_known: bool
    currency: str | None
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    iban: str | None
    payment_reference: str | None
    warnings: tuple[str, ...] = field(default=())


def journal_for(mailbox: str, document_type: str | None) -> str:
    return JOURNALS.get((mailbox, document_type or "invoice"), MISC_JOURNAL)


def propose(
    recognition: DocumentRecognized,
    *,
    mailbox: str,
    counterparty_known: bool,
    duplicate_of_existing: bool,
) -> ProposalDraft:
    invoice = recognition.invoice
    fields = invoice.fields if invoice else None
    # Purchases are booked on the supplier; sales on the customer.
    if fields is None:
        name = vat = None
    elif mailbox == "sales":
        name, vat = fields.customer_name, fields.customer_vat
    else:
        name, vat = fields.supplier_name, fields.supplier_vat
    warnings: list[str] = []
    status = recognition.status
    if status == "ok":
        if duplicate_of_existing:
            status = "ok_duplicate"
            warnings.append(
                "an invoice with this number from this counterparty is already registered"
            )
        elif not counterparty_known:
            status = "ok_new"
    issue_date = fields.issue_date if fields else None
    return ProposalDraft(
        source=recognition.source,
        status=status,
        document_type=fields.document_type if fields else None,
        journal=journal_for(mailbox, fields.document_type if fields else None),
        period=issue_date.strftime("%Y-%m") if issue_date else None,
        invoice_number=fields.invoice_number if fields else None,
        invoice_date=issue_date,
        due_date=fields.due_date if fields else None,
        counterparty_name=name,
        counterparty_vat=vat,
        counterparty_known=counterparty_known,
        currency=fields.currency if fields else None,
        total_excl_vat=fields.total_excl_vat if fields else None,
        total_vat=fields.total_vat if fields else None,
        total_incl_vat=fields.total_incl_vat if fields else None,
        iban=fields.iban if fields else None,
        payment_reference=fields.payment_reference if fields else None,
        warnings=tuple(warnings),
    )
