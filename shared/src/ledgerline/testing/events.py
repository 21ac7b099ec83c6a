"""Events as tests of several services' handlers deliver them: in envelopes as the producing
services send them, and the ones those tests share (an invoice arriving and being read, the
dossier's invoice approval process switched, its booking posted and deleted by sync)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledgerline.events import (
    BookingDeleted,
    BookingPosted,
    DocumentReceived,
    DocumentRecognized,
    Envelope,
    EventData,
    InvoiceApprovalProcessSwitched,
    spec_for,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields


def envelope(
    data: EventData,
    office: uuid.UUID,
    dossier: uuid.UUID,
    *,
    at: datetime | None = None,
    source: str = "/tests",
) -> Envelope[Any]:
    """`data` in an envelope of the office's dossier (sent `at`, else now)."""
    values: dict[str, Any] = {"time": at} if at is not None else {}
    return Envelope[type(data)](  # type: ignore[misc]
        source=source,
        type=spec_for(data).type,
        dossierid=dossier,
        officeid=office,
        correlationid=str(uuid.uuid4()),
        data=data,
        **values,
    )


def approval_process_switched(enabled: bool, by: str) -> InvoiceApprovalProcessSwitched:
    return InvoiceApprovalProcessSwitched(enabled=enabled, switched_by=by)


def pdf_received(
    document: uuid.UUID, received_at: datetime, mailbox: str = "purchase", filename: str = "i.pdf"
) -> DocumentReceived:
    """A PDF uploaded to the dossier's `mailbox`, as ingest announces it."""
    return DocumentReceived(
        document_id=document,
        mailbox=mailbox,  # type: ignore[arg-type]
        channel="upload",
        filename=filename,
        content_type="application/pdf",
        size_bytes=10,
        sha256="0" * 64,
        received_at=received_at,
        content_url="http://x/content",
    )


def invoice_read(
    document: uuid.UUID,
    supplier_name: str,
    total_incl_vat: Decimal,
    **fields: Any,
) -> DocumentRecognized:
    """A purchase invoice read by recognition (AIR, confidence 0.9) with these fields."""
    return DocumentRecognized(
        document_id=document,
        status="ok",
        source="air",
        confidence=0.9,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name=supplier_name,
                currency="EUR",
                total_incl_vat=total_incl_vat,
                **fields,
            )
        ),
    )


def booking_posted(
    document: uuid.UUID, document_number: str, posted_at: datetime, journal: str = "CFAAN"
) -> BookingPosted:
    """The document's proposal booked in the books as `journal`/`document_number`, as sync
    announces it."""
    return BookingPosted(
        proposal_id=uuid.uuid4(),
        document_id=document,
        journal=journal,
        document_number=document_number,
        posted_at=posted_at,
    )


def booking_deleted(
    document: uuid.UUID,
    document_number: str,
    deleted_at: datetime,
    journal: str = "CFAAN",
    reason: str = "wrong supplier",
) -> BookingDeleted:
    """The document's booking `journal`/`document_number` deleted from the books by the office,
    as sync announces it."""
    return BookingDeleted(
        proposal_id=uuid.uuid4(),
        document_id=document,
        journal=journal,
        document_number=document_number,
        deleted_at=deleted_at,
        reason=reason,
    )
