"""From a document's bytes to a recognition result: status, source, confidences, invoice data."""

from uuid import UUID

from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import InvoiceData, InvoiceFields

from recognition.domain import ubl

MANDATORY_FIELDS = ("supplier_name", "invoice_number", "issue_date", "currency", "total_incl_vat")


def field_confidences(fields: InvoiceFields, certainty: float) -> dict[str, float]:
    return {name: (certainty if value is not None else 0.0) for name, value in fields}


def status_of(fields: InvoiceFields) -> tuple[str, str | None]:
    found = [name for name, value in fields if value is not None]
    if not found:
        return "empty", "no invoice field was found"
    missing = [name for name in MANDATORY_FIELDS if getattr(fields, name) is None]
    if missing:
        return "nok", "missing mandatory fields: " + ", ".join(missing)
    return "ok", None


def recognize(document_id: UUID, content: bytes, content_type: str) -> DocumentRecognized:
    if content_type in ("application/xml", "text/xml") or ubl.looks_like_ubl(content):
        return _recognize_ubl(document_id, content)
    return DocumentRecognized(
        document_id=document_id,
        status="empty",
        source="ocr" if content_type.startswith("image/") else "air",
        confidence=0.0,
        reason=f"recognition of {content_type} documents is not available yet",
    )


def _recognize_ubl(document_id: UUID, content: bytes) -> DocumentRecognized:
    try:
        invoice: InvoiceData = ubl.parse_ubl(content)
    except (ubl.NotUbl, ubl.UnsafeXml, ubl.MalformedXml) as exc:
        return DocumentRecognized(
            document_id=document_id, status="empty", source="ubl", confidence=0.0, reason=str(exc)
        )
    status, reason = status_of(invoice.fields)
    # UBL is read, not guessed: what is there is certain.
    confidences = field_confidences(invoice.fields, 1.0)
    return DocumentRecognized(
        document_id=document_id,
        status=status,  # type: ignore[arg-type]
        source="ubl",
        confidence=1.0 if status == "ok" else sum(confidences.values()) / len(confidences),
        field_confidence=confidences,
        reason=reason,
        invoice=invoice,
    )
