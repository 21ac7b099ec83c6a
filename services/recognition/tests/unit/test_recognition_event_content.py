"""A small document travels in its document.received.v1 (`content_base64`): recognition reads
those bytes without a GET to ingest, unless they are not the document's (its sha256), and
fetches every other document from its content URL."""

import base64
import hashlib
import uuid
from datetime import UTC, datetime

import pytest
from ledgerline.devstack.ports import free_port
from ledgerline.events import DocumentReceived
from ledgerline.service_http import ServiceHttpClient
from recognition.adapters.documents import DocumentUnavailable, content_of

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
XML = b"<Invoice>one small UBL invoice</Invoice>"


def received(content_base64: str | None, sha256: str) -> DocumentReceived:
    document = uuid.uuid4()
    return DocumentReceived(
        document_id=document,
        mailbox="purchase",
        channel="api",
        filename="invoice.xml",
        content_type="application/xml",
        size_bytes=len(XML),
        sha256=sha256,
        received_at=datetime.now(UTC),
        # Nothing listens there: a fetch fails with DocumentUnavailable.
        content_url=f"http://127.0.0.1:{free_port()}/dossiers/{DOSSIER}/documents/{document}/content",
        content_base64=content_base64,
    )


@pytest.fixture
async def ingest() -> ServiceHttpClient:
    return ServiceHttpClient(service="recognition", secret="s" * 32, issuer="test", timeout=2)


async def test_the_bytes_in_the_event_are_read_without_a_fetch(ingest: ServiceHttpClient) -> None:
    event = received(base64.b64encode(XML).decode(), hashlib.sha256(XML).hexdigest())
    assert await content_of(ingest, event, office_id=OFFICE, dossier_id=DOSSIER) == XML


async def test_bytes_that_are_not_the_documents_are_fetched_instead(
    ingest: ServiceHttpClient,
) -> None:
    other = base64.b64encode(b"<Invoice>another</Invoice>").decode()
    with pytest.raises(DocumentUnavailable, match="GET http"):
        await content_of(
            ingest,
            received(other, hashlib.sha256(XML).hexdigest()),
            office_id=OFFICE,
            dossier_id=DOSSIER,
        )
    with pytest.raises(DocumentUnavailable, match="GET http"):
        await content_of(
            ingest,
            received("not base64 !", hashlib.sha256(XML).hexdigest()),
            office_id=OFFICE,
            dossier_id=DOSSIER,
        )


async def test_a_document_without_its_bytes_in_the_event_is_fetched(
    ingest: ServiceHttpClient,
) -> None:
    with pytest.raises(DocumentUnavailable, match="GET http"):
        await content_of(
            ingest,
            received(None, hashlib.sha256(XML).hexdigest()),
            office_id=OFFICE,
            dossier_id=DOSSIER,
        )
