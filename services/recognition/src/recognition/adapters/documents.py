"""Fetches a document's bytes from ingest over HTTP, with a token scoped to its dossier."""

from uuid import UUID

import httpx
from ledgerline.service_http import ServiceHttpClient


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
