"""Service-to-service HTTP: one pooled client per process, with service tokens scoped per dossier.

Building an `httpx.AsyncClient` builds an SSL context (≈ 25 ms of CPU); a client per message
made that the pipeline's main cost. This client is created once per process and reused: its
connections are kept alive (bounded by `max_connections`), every request has a timeout, and the
short-lived token of each (office, dossier) is reused until shortly before it expires.
"""

import time
from uuid import UUID

import httpx

from ledgerline.auth import Role, issue_token

TOKEN_TTL_SECONDS = 300
# A token is replaced this long before it expires, so none expires on its way.
TOKEN_RENEW_MARGIN_SECONDS = 60


class ServiceHttpClient:
    """GETs other services' resources as `service:<service>`, scoped to one office and dossier."""

    def __init__(
        self,
        *,
        service: str,
        secret: str,
        issuer: str,
        timeout: float,
        max_connections: int = 32,
    ) -> None:
        self._service = service
        self._secret = secret
        self._issuer = issuer
        self._timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._client: httpx.AsyncClient | None = None
        self._tokens: dict[tuple[UUID, UUID], tuple[str, float]] = {}

    def _http(self) -> httpx.AsyncClient:
        # Created on first use, inside the running event loop that will use it.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, limits=self._limits)
        return self._client

    def token(self, office_id: UUID, dossier_id: UUID) -> str:
        now = time.monotonic()
        cached = self._tokens.get((office_id, dossier_id))
        if cached is not None and cached[1] > now:
            return cached[0]
        token = issue_token(
            secret=self._secret,
            subject=f"service:{self._service}",
            office_id=office_id,
            role=Role.SERVICE,
            dossiers=[dossier_id],
            issuer=self._issuer,
            ttl_seconds=TOKEN_TTL_SECONDS,
        )
        if len(self._tokens) > 10_000:  # bounded: tokens of long-idle dossiers go
            self._tokens.clear()
        self._tokens[(office_id, dossier_id)] = (
            token,
            now + TOKEN_TTL_SECONDS - TOKEN_RENEW_MARGIN_SECONDS,
        )
        return token

    async def get(self, url: str, *, office_id: UUID, dossier_id: UUID) -> httpx.Response:
        """GET `url` with a token for the dossier; network errors raise `httpx.HTTPError`."""
        return await self._http().get(
            url, headers={"Authorization": f"Bearer {self.token(office_id, dossier_id)}"}
        )

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
