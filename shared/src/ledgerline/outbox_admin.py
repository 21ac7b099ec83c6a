"""Platform operations on a service's outbox: list the parked rows, requeue one.

Who: a platform operator (`Role.OPERATOR`), not an office. A service's outbox holds the events
of every office, so an office admin (or anyone else) gets 403. The listing shows each row's
metadata and error, never the event's data.
"""

from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi import Path as PathParam
from pydantic import BaseModel, ConfigDict, Field

from ledgerline.auth import CurrentPrincipal, Principal, Role
from ledgerline.errors import error_response
from ledgerline.outbox import PARKED_COUNT_SQL, PARKED_ROWS
from ledgerline.outbox_doorbell import OUTBOX_CHANNEL

PLATFORM_OPERATORS = frozenset({Role.OPERATOR})


PARKED_EXAMPLE = {
    "id": 4711,
    "event_id": "e0e00000-0000-4000-8000-000000000001",
    "topic": "document.recognized.v1",
    "dossier_id": "d0551e00-0000-4000-8000-000000000001",
    "office_id": "0ff1ce00-0000-4000-8000-000000000001",
    "correlation_id": "c0440000-0000-4000-8000-000000000001",
    "size_bytes": 1638400,
    "attempts": 1,
    "error_type": "MessageSizeTooLargeError",
    "error": "[Error 10] MessageSizeTooLargeError",
    "created_at": "2026-11-30T09:00:00Z",
    "parked_at": "2026-11-30T09:00:01Z",
}


class ParkedEvent(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PARKED_EXAMPLE]})

    id: int = Field(description="The outbox row's id (use it to requeue)")
    event_id: UUID
    topic: str
    dossier_id: str = Field(
        description="The event's dossier (the Kafka key where the envelope does not name one)"
    )
    office_id: UUID | None
    correlation_id: str | None
    size_bytes: int = Field(description="Size of the envelope as it would go on the wire")
    attempts: int
    error_type: str | None
    error: str | None
    created_at: datetime
    parked_at: datetime


class Requeued(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"id": 4711, "event_id": PARKED_EXAMPLE["event_id"], "status": "requeued"}]
        }
    )

    id: int
    event_id: UUID
    status: str = "requeued"


async def platform_operator(principal: CurrentPrincipal) -> Principal:
    if principal.role not in PLATFORM_OPERATORS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role.value} may not do this; allowed: "
            + ", ".join(sorted(role.value for role in PLATFORM_OPERATORS)),
        )
    return principal


Operator = Annotated[Principal, Depends(platform_operator)]

router = APIRouter(prefix="/platform/outbox", tags=["platform"])


def _pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool  # type: ignore[no-any-return]


@router.get(
    "/parked",
    summary="Outbox rows that could not be published (platform operator)",
    responses={403: error_response("Only a platform operator may see parked rows")},
    response_model=list[ParkedEvent],
)
async def list_parked(
    request: Request,
    _: Operator,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ParkedEvent]:
    pool = _pool(request)
    rows = await pool.fetch(
        # The dossier from the envelope: the key is the document for document.* events.
        "SELECT id, event_id, topic, office_id, correlation_id, COALESCE(substring(payload"
        ' FROM \'"dossierid":"([0-9a-f-]{36})"\'), message_key) AS dossier_id,'
        " octet_length(payload) AS size_bytes, attempts, error_type, last_error, created_at,"
        " parked_at FROM outbox WHERE parked_at IS NOT NULL AND published_at IS NULL"
        " ORDER BY id LIMIT $1",
        limit,
    )
    PARKED_ROWS.labels(request.app.state.runtime.definition.name).set(
        await pool.fetchval(PARKED_COUNT_SQL)
    )
    return [
        ParkedEvent(
            id=row["id"],
            event_id=row["event_id"],
            topic=row["topic"],
            dossier_id=row["dossier_id"],
            office_id=row["office_id"],
            correlation_id=row["correlation_id"],
            size_bytes=row["size_bytes"],
            attempts=row["attempts"],
            error_type=row["error_type"],
            error=row["last_error"],
            created_at=row["created_at"],
            parked_at=row["parked_at"],
        )
        for row in rows
    ]


@router.post(
    "/parked/{row_id}/requeue",
    summary="Publish a parked row again, once its cause is fixed (platform operator)",
    response_model=Requeued,
    responses={
        403: error_response("Only a platform operator may requeue rows"),
        404: error_response("No parked row with this id"),
    },
)
async def requeue(
    request: Request,
    _: Operator,
    row_id: Annotated[int, PathParam(ge=1, le=2**63 - 1, description="The parked row's id")],
) -> Requeued:
    async with _pool(request).acquire() as connection, connection.transaction():
        row = await connection.fetchrow(
            "UPDATE outbox SET parked_at = NULL, attempts = 0, next_attempt_at = NULL"
            " WHERE id = $1 AND parked_at IS NOT NULL AND published_at IS NULL"
            " RETURNING id, event_id",
            row_id,
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no parked outbox row {row_id}")
        await connection.execute(f"NOTIFY {OUTBOX_CHANNEL}")
    return Requeued(id=row["id"], event_id=row["event_id"])
