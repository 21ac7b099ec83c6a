"""Claim check for large event data: the producer keeps it, the envelope carries a `dataref`.

A broker refuses messages over its limit (1 MiB by default), and a 10,000-line invoice is larger.
When an event's serialised data exceeds `max_inline_bytes`, the unit of work stores the data in
the producing service's `event_data` table (in the same transaction as the outbox row) and the
envelope carries the CloudEvents `dataref` extension attribute instead of `data`: an absolute URL
on the producer's API. Whoever holds a service token scoped to the event's dossier can GET it
there; `ledgerline.consumers.EventConsumer` does so before calling a handler, so handlers always
see the data.
"""

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any
from uuid import UUID

import asyncpg
import httpx
from fastapi import APIRouter, HTTPException, Request, Response, status
from fastapi import Path as PathParam

from ledgerline.auth import CurrentPrincipal, Role
from ledgerline.errors import error_response
from ledgerline.events import Envelope, EventData
from ledgerline.service_http import ServiceHttpClient

log = logging.getLogger(__name__)

EVENT_DATA_PATH = "/platform/events/{event_id}/data"


@dataclass(frozen=True)
class ClaimCheck:
    """When and where a producing service claim-checks event data."""

    max_inline_bytes: int
    public_base_url: str

    def dataref(self, event_id: UUID) -> str:
        return self.public_base_url.rstrip("/") + EVENT_DATA_PATH.format(event_id=event_id)


@dataclass(frozen=True)
class OutboxMessage:
    """What the unit of work writes for one event: the wire payload, and the data kept apart."""

    payload: str
    stored_data: str | None


def to_outbox_message(
    envelope: Envelope[EventData], claim_check: ClaimCheck | None
) -> OutboxMessage:
    """The envelope as it goes on the wire: inline data, or a dataref when the data is too large."""
    data = envelope.data.model_dump_json()
    if claim_check is None or len(data.encode()) <= claim_check.max_inline_bytes:
        return OutboxMessage(envelope.model_dump_json(exclude={"dataref"}), None)
    wire: dict[str, Any] = json.loads(envelope.model_dump_json(exclude={"data", "dataref"}))
    wire["dataref"] = claim_check.dataref(envelope.id)
    return OutboxMessage(json.dumps(wire, separators=(",", ":")), data)


async def store_event_data(
    connection: asyncpg.Connection, rows: list[tuple[UUID, UUID, UUID, str]]
) -> None:
    """Keeps claim-checked data: (event id, office id, dossier id, data as JSON)."""
    await connection.executemany(
        "INSERT INTO event_data (event_id, office_id, dossier_id, data) VALUES ($1, $2, $3, $4)",
        rows,
    )


class DatarefUnavailable(Exception):
    """The data behind a dataref could not be fetched (yet): a retryable failure."""


class DatarefResolver:
    """Fetches claim-checked data for this process's consumers, with one shared HTTP client.

    Each request carries a short-lived service token scoped to the event's office and dossier,
    so the producer hands out nothing else.
    """

    def __init__(self, *, service: str, secret: str, issuer: str, timeout: float) -> None:
        self._http = ServiceHttpClient(
            service=service, secret=secret, issuer=issuer, timeout=timeout
        )

    async def fetch(self, dataref: str, *, office_id: UUID, dossier_id: UUID) -> dict[str, Any]:
        if not dataref.startswith(("http://", "https://")):
            raise DatarefUnavailable(f"dataref {dataref!r} is not an http(s) URL")
        try:
            response = await self._http.get(dataref, office_id=office_id, dossier_id=dossier_id)
        except httpx.HTTPError as exc:
            raise DatarefUnavailable(f"GET {dataref} failed: {exc!r}") from exc
        if response.status_code != 200:
            raise DatarefUnavailable(
                f"GET {dataref} answered {response.status_code}: {response.text[:200]}"
            )
        try:
            data = response.json()
        except ValueError as exc:
            raise DatarefUnavailable(f"GET {dataref} did not answer JSON") from exc
        if not isinstance(data, dict):
            raise DatarefUnavailable(f"GET {dataref} did not answer a JSON object")
        return data

    async def aclose(self) -> None:
        await self._http.aclose()


router = APIRouter(tags=["platform"])


@router.get(
    EVENT_DATA_PATH,
    summary="The data of a claim-checked event (its envelope's dataref)",
    description="For Ledgerline services and connectors: a `service` token whose dossiers include "
    "the event's dossier. Any other dossier, office or unknown event answers 404.",
    response_class=Response,
    responses={
        200: {
            "description": "The event's `data`, exactly as it would have been inline",
            "content": {
                "application/json": {
                    "example": {"document_id": "5d0c0000-0000-4000-8000-00000000d0c1"}
                }
            },
        },
        403: error_response("Only a service token may fetch event data"),
        404: error_response("No such event data for this token's office and dossiers"),
    },
)
async def event_data(
    request: Request,
    principal: CurrentPrincipal,
    event_id: Annotated[UUID, PathParam(description="The event's id")],
) -> Response:
    if principal.role is not Role.SERVICE:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only a service token may fetch event data")
    pool: asyncpg.Pool = request.app.state.runtime.pool
    row = await pool.fetchrow(
        "SELECT office_id, dossier_id, data FROM event_data WHERE event_id = $1", event_id
    )
    if (
        row is None
        or row["office_id"] != principal.office_id
        or not principal.is_assigned(row["dossier_id"])
    ):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"event data {event_id} not found")
    return Response(row["data"], media_type="application/json")
