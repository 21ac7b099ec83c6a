"""Recognition reads every received document and publishes what it found; it reads one again
when the office asks (document.recognition-requested.v1), and follows a document the office
moved to another dossier (document.moved.v1)."""

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    DocumentMoved,
    DocumentReceived,
    DocumentRecognitionRequested,
    DocumentRecognized,
    Envelope,
)
from ledgerline.service_http import ServiceHttpClient
from ledgerline.settings import ServiceSettings
from ledgerline.subscriptions import PreparedSubscription, Subscription

from recognition.adapters import documents, repository
from recognition.adapters.reader_pool import ReaderPool
from recognition.config import RecognitionSettings

log = logging.getLogger(__name__)
_DOSSIER_IN_URL = re.compile(r"/dossiers/[0-9a-fA-F-]{36}/documents/")


def content_url_in(url: str, dossier_id: UUID) -> str:
    """Ingest's content URL names the document's dossier: after a move, the new one's."""
    return _DOSSIER_IN_URL.sub(f"/dossiers/{dossier_id}/documents/", url, count=1)


@dataclass(frozen=True)
class Reread:
    """A document read again, or (`result` None) why it could not be."""

    result: DocumentRecognized | None
    received: DocumentReceived | None = None


async def on_document_moved(uow: UnitOfWork, event: Envelope[DocumentMoved]) -> None:
    await repository.move(uow.conn, event.officeid, event.data.document_id, event.dossierid)


def subscriptions(
    settings: ServiceSettings,
) -> list[Any]:
    assert isinstance(settings, RecognitionSettings)
    # One pool for the life of the service: its workers are reused across documents and
    # replaced when one dies (a document over the memory or time limit).
    reader = ReaderPool(
        memory_limit_mib=settings.reader_memory_limit_mib,
        time_limit_seconds=settings.reader_time_limit_seconds,
        workers=settings.reader_workers,
    )
    # One HTTP client for the life of the service, reused for every document.
    ingest = ServiceHttpClient(
        service="recognition",
        secret=settings.jwt_secret,
        issuer=settings.jwt_issuer,
        timeout=settings.fetch_timeout_seconds,
    )
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass  # called to describe the subscriptions (AsyncAPI), not to run them
    else:
        reader.start()  # workers ready before the first document

    async def read_document(event: Envelope[DocumentReceived]) -> DocumentRecognized:
        """Fetch (unless the event carries it) and read the document, outside any database
        transaction: an OCR takes seconds and must not hold a connection."""
        content = await documents.content_of(
            ingest, event.data, office_id=event.officeid, dossier_id=event.dossierid
        )
        # PDFs and images are read in a worker process with bounded memory and time, off
        # the event loop, so the API and the consumer stay live.
        # On a purchase invoice the dossier is the buyer: its VAT number is never the supplier's.
        own_vat = event.data.dossier_vat_number
        return await reader.recognize_async(
            event.data.document_id,
            content,
            event.data.content_type,
            own_vat_numbers=(own_vat,) if own_vat and event.data.mailbox == "purchase" else (),
        )

    async def record_result(
        uow: UnitOfWork, event: Envelope[DocumentReceived], result: DocumentRecognized
    ) -> None:
        """In the transaction that writes the event's inbox row: the result and its event."""
        await repository.save_received_and_result(
            uow.conn, event.officeid, event.dossierid, event.data, result
        )
        uow.emit(
            result,
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"documents/{result.document_id}",
        )

    async def read_again(event: Envelope[DocumentRecognitionRequested]) -> Reread:
        """Fetch and read the document again, as on delivery, from the dossier it is in now.
        A short connection of its own: this runs outside any transaction, and seldom."""
        connection = await asyncpg.connect(settings.database_url)
        try:
            found = await repository.received_of(connection, event.officeid, event.data.document_id)
        finally:
            await connection.close()
        if found is None:
            return Reread(result=None)
        _, received = found
        url = content_url_in(received.content_url, event.dossierid)
        content = await documents.fetch_content(
            ingest, url, office_id=event.officeid, dossier_id=event.dossierid
        )
        # The VAT number is the dossier's at delivery: after a move it is not the buyer's.
        own_vat = received.dossier_vat_number if url == received.content_url else None
        result = await reader.recognize_async(
            event.data.document_id,
            content,
            received.content_type,
            own_vat_numbers=(own_vat,) if own_vat and event.data.mailbox == "purchase" else (),
        )
        return Reread(result=result, received=received)

    async def record_reread(
        uow: UnitOfWork, event: Envelope[DocumentRecognitionRequested], reread: Reread
    ) -> None:
        """The new reading and its document.recognized.v1. A document recognition has no
        delivery record of (received before it kept them) is not read again: its last result
        is published again with the reason, so the proposal stops waiting."""
        result = reread.result
        if result is None:
            last = await repository.recognition_of(uow.conn, event.officeid, event.data.document_id)
            if last is None:
                log.warning("no delivery or result of document %s", event.data.document_id)
                return
            result = last.model_copy(
                update={
                    "reason": "the document could not be read again: recognition has no "
                    "record of its delivery"
                }
            )
        await repository.save(uow.conn, event.officeid, event.dossierid, result)
        uow.emit(
            result,
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"documents/{result.document_id}",
        )

    return [
        PreparedSubscription(DocumentReceived, read_document, record_result, per_document=True),
        PreparedSubscription(DocumentRecognitionRequested, read_again, record_reread),
        Subscription(DocumentMoved, on_document_moved),
    ]
