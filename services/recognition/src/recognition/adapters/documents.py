"""A document's bytes: from its document.received.v1 when small, else fetched from ingest over
HTTP with a token scoped to its dossier."""

import base64
import binascii
import hashlib
import logging
from uuid import UUID

import httpx
from ledgerline.events import DocumentReceived
from ledgerline.service_http import ServiceHttpClient

log = logging.getLogger(__name__)


class DocumentUnavailable(Exception):
    pass


async def fetch_content(
    client: ServiceHttpClient, url: str, *, office_id: UUID, dossier_id: UUID
) -> bytes:
    """The document's bytes, through the process's one client (no connection or SSL set-up
    per document)."""
    try:
        response = await client.get(url, office_id=office_id, dossier_id=dossier_id)
    except httpx.HTTPError as exc:
        raise DocumentUnavailable(f"GET {url} failed: {exc!r}") from exc
    if response.status_code != 200:
        raise DocumentUnavailable(
            f"GET {url} answered {response.status_code}: {response.text[:200]}"
        )
    return response.content


async def content_of(
    client: ServiceHttpClient, received: DocumentReceived, *, office_id: UUID, dossier_id: UUID
) -> bytes:
    """The bytes the event carries (a small file), when they are the document's (its sha256);
    otherwise, or when it carries none, fetched from its content URL."""
    if received.content_base64 is not None:
        try:
            content = base64.b64decode(received.content_base64, validate=True)
        except binascii.Error:
            content = None
        if content is not None and hashlib.sha256(content).hexdigest() == received.sha256:
            return content
        log.warning(
            "document %s: the content in its event is not the document's; fetching it",
            received.document_id,
        )
    return await fetch_content(
        client, received.content_url, office_id=office_id, dossier_id=dossier_id
    )
