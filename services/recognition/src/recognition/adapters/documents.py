"""Fetches a document's bytes from ingest over HTTP, with a token scoped to its dossier."""

from uuid import UUID

import httpx
from ledgerline.auth import Role, issue_token


class DocumentUnavailable(Exception):
    pass


async def fetch_content(
    url: str, *, office_id: UUID, dossier_id: UUID, secret: str, issuer: str, timeout: float
) -> bytes:
    token = issue_token(
        secret=secret,
        subject="service:recognition",
        office_id=office_id,
        role=Role.SERVICE,
        dossiers=[dossier_id],
        issuer=issuer,
        ttl_seconds=300,
    )
    async with httpx.AsyncClient(timeout=timeout) as client:
        response = await client.get(url, headers={"Authorization": f"Bearer {token}"})
    if response.status_code != 200:
        raise DocumentUnavailable(
            f"GET {url} answered {response.status_code}: {response.text[:200]}"
        )
    return response.content
