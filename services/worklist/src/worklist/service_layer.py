"""Event handlers: a proposal is made once a document is both recognised and submitted; the
dossier's ledger master data is kept from ledger.synced.v1."""

from uuid import UUID

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentRecognized, DocumentSubmitted, Envelope, LedgerSynced

from worklist.adapters import ledger_copy, repository
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


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """Upsert the chunk's records; after the last chunk of a full resync, drop what it did not
    send. A counts-only message (no sync id) carries no master data."""
    data = event.data
    if data.sync_id is None:
        return
    office_id, dossier_id, sync_id = event.officeid, event.dossierid, data.sync_id
    await ledger_copy.upsert_counterparties(
        uow.conn, office_id, dossier_id, sync_id, data.counterparty_records
    )
    for kind, records in (
        ("account", [(account.code, account) for account in data.gl_accounts]),
        ("vat_code", [(code.code, code) for code in data.vat_codes]),
        ("journal", [(journal.code, journal) for journal in data.journals]),
        ("period", [(period.code, period) for period in data.periods]),
    ):
        await ledger_copy.upsert_master_data(
            uow.conn, office_id, dossier_id, sync_id, kind, records
        )
    if data.removed_counterparties:
        await ledger_copy.remove_counterparties(
            uow.conn, office_id, dossier_id, list(data.removed_counterparties)
        )
    if data.full and data.last_chunk:
        await ledger_copy.remove_stale(uow.conn, office_id, dossier_id, sync_id)


SUBSCRIPTIONS = [
    Subscription(DocumentRecognized, on_document_recognized),
    Subscription(DocumentSubmitted, on_document_submitted),
    Subscription(LedgerSynced, on_ledger_synced),
]
