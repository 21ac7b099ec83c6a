"""Recognition reads every received document and publishes what it found."""

import asyncio

from ledgerline.consumers import PreparedSubscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentReceived, DocumentRecognized, Envelope
from ledgerline.service_http import ServiceHttpClient
from ledgerline.settings import ServiceSettings

from recognition.adapters import documents, repository
from recognition.adapters.reader_pool import ReaderPool
from recognition.config import RecognitionSettings


def subscriptions(
    settings: ServiceSettings,
) -> list[PreparedSubscription[DocumentReceived, DocumentRecognized]]:
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
        """Fetch and read the document, outside any database transaction: an OCR takes
        seconds and must not hold a connection."""
        content = await documents.fetch_content(
            ingest,
            event.data.content_url,
            office_id=event.officeid,
            dossier_id=event.dossierid,
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
        await repository.save(uow.conn, event.officeid, event.dossierid, result)
        uow.emit(
            result,
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"documents/{result.document_id}",
        )

    return [PreparedSubscription(DocumentReceived, read_document, record_result)]
