"""What ingest learns from other services' events."""

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentRecognized, DossierActivated, Envelope

from ingest.adapters import repository


async def on_dossier_activated(uow: UnitOfWork, event: Envelope[DossierActivated]) -> None:
    await repository.upsert_dossier(
        uow.conn,
        {
            "id": event.dossierid,
            "office_id": event.officeid,
            "name": event.data.name,
            "email_domain": event.data.email_domain,
        },
    )


async def on_document_recognized(uow: UnitOfWork, event: Envelope[DocumentRecognized]) -> None:
    fields = event.data.invoice.fields if event.data.invoice else None
    await repository.record_recognition(
        uow.conn,
        {
            "office_id": event.officeid,
            "document_id": event.data.document_id,
            "recognition_status": event.data.status,
            "counterparty_name": fields.supplier_name if fields else None,
            "total_incl_vat": fields.total_incl_vat if fields else None,
            "currency": fields.currency if fields else None,
        },
    )


SUBSCRIPTIONS = [
    Subscription(DossierActivated, on_dossier_activated),
    Subscription(DocumentRecognized, on_document_recognized),
]
