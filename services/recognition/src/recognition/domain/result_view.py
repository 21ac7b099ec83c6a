"""What recognition read from one document, as users see it: one flat shape for the API
(`GET .../recognitions/{id}`) and `recognition extract`.

The event `document.recognized.v1` keeps its own contract (the fields nested in `invoice`);
this view lifts them to the top and lists every field, null when not found.
"""

from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import (
    AllowanceCharge,
    InvoiceFields,
    InvoiceLine,
    Party,
    RecognitionSource,
    RecognitionStatus,
    VatBreakdown,
)
from ledgerline.money import Amount
from pydantic import BaseModel, ConfigDict, Field

FIELD_NAMES: tuple[str, ...] = tuple(InvoiceFields.model_fields)


class RecognitionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    status: RecognitionStatus = Field(
        description="ok; nok = a mandatory field missing; empty = nothing found; "
        "ocr = technical failure that can be retried"
    )
    source: RecognitionSource = Field(
        description="ubl, facturx, air (text PDF) or ocr (scan or photo)"
    )
    confidence: float = Field(ge=0, le=1)
    reason: str | None = Field(
        default=None, description="why the status is not ok, or a note on how it was read"
    )
    fields: InvoiceFields = Field(
        default_factory=InvoiceFields, description="every field, null when not found"
    )
    field_confidence: dict[str, float] = Field(
        default_factory=dict, description="0-1 per field, 0 when not found"
    )
    lines: tuple[InvoiceLine, ...] = ()
    supplier: Party | None = None
    customer: Party | None = None
    allowances_charges: tuple[AllowanceCharge, ...] = ()
    vat_breakdown: tuple[VatBreakdown, ...] = ()
    amount_due: Amount | None = None


def result_view(result: DocumentRecognized) -> RecognitionResult:
    invoice = result.invoice
    return RecognitionResult(
        status=result.status,
        source=result.source,
        confidence=result.confidence,
        reason=result.reason,
        fields=invoice.fields if invoice is not None else InvoiceFields(),
        field_confidence={name: result.field_confidence.get(name, 0.0) for name in FIELD_NAMES},
        lines=invoice.lines if invoice is not None else (),
        supplier=invoice.supplier if invoice is not None else None,
        customer=invoice.customer if invoice is not None else None,
        allowances_charges=invoice.allowances_charges if invoice is not None else (),
        vat_breakdown=invoice.vat_breakdown if invoice is not None else (),
        amount_due=invoice.amount_due if invoice is not None else None,
    )
