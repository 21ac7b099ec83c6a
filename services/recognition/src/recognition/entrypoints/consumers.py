"""Recognition reads every received document and publishes what it found."""

import asyncio

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentReceived, Envelope
from ledgerline.settings import ServiceSettings

from recognition.adapters import documents, repository
from recognition.domain.recognize import recognize


def subscriptions(settings: ServiceSettings) -> list[Subscription[DocumentReceived]]:
    async def on_document_received(uow: UnitOfWork, event: Envelope[DocumentReceived]) -> None:
        content = await documents.fetch_content(
            event.data.content_url,
            office_id=event.officeid,
            dossier_id=event.dossierid,
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            timeout=settings.fetch_timeout_seconds,  # type: ignore[attr-defined]
        )
        # OCR takes seconds of CPU: off the event loop, so the API and the consumer stay live.
        result = await asyncio.to_thread(
            recognize, event.data.document_id, content, event.data.content_type
        )
        await repository.save(uow.conn, event.officeid, event.dossierid, result)
        uow.emit(
            result,
            dossier_id=event.dossierid,
            office_id=event.officeid,
            subject=f"documents/{result.document_id}",
        )

    return [Subscription(DocumentReceived, on_document_received)]
