"""Structured invoice data, as recognition publishes it and the worklist and payments read it."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict

from ledgerline.money import Amount

DocumentType = Literal["invoice", "credit_note"]
RecognitionStatus = Literal["ok", "nok", "empty", "ocr"]
RecognitionSource = Literal["ubl", "facturx", "air", "ocr"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Party(Frozen):
    name: str | None = None
    vat: str | None = None
    company_id: str | None = None
    street: str | None = None
    postal_code: str | None = None
    town: str | None = None
    country: str | None = None


class InvoiceLine(Frozen):
    description: str | None = None
    quantity: Amount | None = None
    unit_code: str | None = None
    unit_price: Amount | None = None
    net_amount: Amount | None = None
    vat_category: str | None = None
    vat_rate: Amount | None = None


class AllowanceCharge(Frozen):
    is_charge: bool
    amount: Amount
    reason: str | None = None
    vat_category: str | None = None
    vat_rate: Amount | None = None


class VatBreakdown(Frozen):
    category: str | None = None
    rate: Amount | None = None
    taxable_amount: Amount
    vat_amount: Amount


class InvoiceFields(Frozen):
    """The fields of one invoice or credit note; a field that was not found is None."""

    document_type: DocumentType | None = None
    supplier_name: str | None = None
    supplier_vat: str | None = None
    customer_name: str | None = None
    customer_vat: str | None = None
    invoice_number: str | None = None
    issue_date: date | None = None
    due_date: date | None = None
    currency: str | None = None
    total_excl_vat: Amount | None = None
    total_vat: Amount | None = None
    total_incl_vat: Amount | None = None
    iban: str | None = None
    bic: str | None = None
    payment_reference: str | None = None


class InvoiceData(Frozen):
    """Everything recognition knows about a document's content."""

    fields: InvoiceFields
    supplier: Party | None = None
    customer: Party | None = None
    lines: tuple[InvoiceLine, ...] = ()
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    amount_due: Amount | None = None
