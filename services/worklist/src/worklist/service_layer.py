"""Event handlers: a proposal is made once a document is both recognised and submitted."""

from uuid import UUID

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentRecognized, DocumentSubmitted, Envelope

from worklist.adapters import repository
from worklist.domain.proposals import propose


async def on_document_recognized(uow: UnitOfWork, event: Envelope[DocumentRecognized]) -> None:
    await repository.lock_document(uow.conn, event.data.document_id)
    await repository.save_recognition(uow.conn, event)
    await make_proposal_if_ready(uow, event.officeid, event.data.document_id)


async def on_document_submitted(uow: UnitOfWork, event: Envelope[DocumentSubmitted]) -> None:
    await repository.lock_document(uow.conn, event.data.document_id)
    await repository.save_submission(uow.conn, event)
    await make_proposal_if_ready(uow, event.officeid, event.data.document_id)


async def make_proposal_if_ready(uow: UnitOfWork, office_id: UUID, document_id: UUID) -> None:
    ready = await repository.ready_for_proposal(uow.conn, office_id, document_id)
    if ready is None:
        return
    recognition, mailbox, dossier_id = ready
    fields = recognition.invoice.fields if recognition.invoice else None
    vat = None
    if fields is not None:
        vat = fields.customer_vat if mailbox == "sales" else fields.supplier_vat
    invoice_number = fields.invoice_number if fields else None
    draft = propose(
        recognition,
        mailbox=mailbox,
        counterparty_known=await repository.counterparty_known(
            uow.conn, office_id, dossier_id, vat
        ),
        duplicate_of_existing=await repository.invoice_already_registered(
            uow.conn, office_id, dossier_id, vat, invoice_number
        ),
    )
    await repository.insert_proposal(
        uow.conn, office_id, dossier_id, document_id, draft, recognition
    )
    if draft.counterparty_vat and draft.counterparty_name:
        await repository.remember_counterparty(
            uow.conn, office_id, dossier_id, draft.counterparty_vat, draft.counterparty_name
        )


SUBSCRIPTIONS = [
    Subscription(DocumentRecognized, on_document_recognized),
    Subscription(DocumentSubmitted, on_document_submitted),
]
