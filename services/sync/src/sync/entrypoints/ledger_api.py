"""The dossier's ledger: synchronise it by hand, and see the sync runs and the postings."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import dossiers, ledger
from sync.connectors.contract import ConnectorUnavailable
from sync.scheduler import nightly_sync_lifespan
from sync.service_layer import synchronise

# The nightly sync runs beside the routes of the ledger (FastAPI merges a router's lifespan).
router = APIRouter(tags=["ledger"], lifespan=nightly_sync_lifespan)

# Examples for the OpenAPI document (the demo dossier PEETERS). FastAPI leaves nulls out of
# examples, so optional fields show values.
EXAMPLE_DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"
SYNC_RUN_EXAMPLE = {
    "id": "5c0a7e11-0000-4000-8000-000000000001",
    "dossier_id": EXAMPLE_DOSSIER_ID,
    "trigger": "manual",
    "status": "ok",
    "full_resync": True,
    "chunks": 3,
    "counterparties": 24,
    "open_items": 57,
    "reason": "requested from the dossier page",
    "requested_by": "anna.admin@demo-office.example",
    "started_at": "2026-11-30T09:15:00Z",
}
POSTING_EXAMPLE = {
    "proposal_id": "d8e9f057-f201-5040-b16d-3995b5976c30",
    "dossier_id": EXAMPLE_DOSSIER_ID,
    "document_id": "353c0e8c-a95d-5756-91d5-57912e2e04f3",
    "status": "posted",
    "journal": "CFAAN",
    "document_number": "26000001",
    "period": "2026-01",
    "transaction_id": "CFAAN/26000001",
    "reason": "posted by anna.admin@demo-office.example",
    "attempts": 1,
    "updated_at": "2026-01-03T10:20:00Z",
}


class SyncRun(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SYNC_RUN_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    trigger: str = Field(
        description="activation, change (the dossier was changed), manual or nightly"
    )
    status: str = Field(description="ok, or failed with the reason (the office must act)")
    full_resync: bool
    chunks: int = Field(description="ledger.synced.v1 messages published")
    counterparties: int
    open_items: int
    reason: str | None
    requested_by: str | None
    started_at: datetime


class Posting(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [POSTING_EXAMPLE]})

    proposal_id: UUID
    dossier_id: UUID
    document_id: UUID | None
    status: str = Field(description="posted, failed, or connector_unavailable (being retried)")
    journal: str | None
    document_number: str | None
    period: str | None
    transaction_id: str | None
    reason: str | None
    attempts: int
    updated_at: datetime


@router.post(
    "/dossiers/{dossier_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SyncRun,
    summary="Synchronise the dossier's ledger now: a full resync (office admin or employee)",
    description="Reads the accounting package through the dossier's connector and publishes "
    "ledger.synced.v1 in chunks; the worklist and payments replace their copies. 503 when the "
    "package cannot be reached; a run the office must act on is answered with status failed.",
    responses={
        503: error_response(
            "The accounting package cannot be reached now; nothing was synchronised",
            "the ledger cannot be read: main.beancount of PEETERS is missing",
        )
    },
)
async def sync_now(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
) -> SyncRun:
    async with runtime.unit_of_work() as uow:
        dossier = await dossiers.get(uow.conn, scope.office_id, scope.dossier_id)
        if dossier is None or not dossier["active"]:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        try:
            run = await synchronise(
                uow,
                dossier,
                runtime.settings,  # type: ignore[arg-type]
                trigger="manual",
                requested_by=scope.principal.subject,
            )
        except ConnectorUnavailable as exc:
            raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.reason) from exc
    return SyncRun.model_validate(dict(run))


@router.get(
    "/dossiers/{dossier_id}/syncs",
    response_model=list[SyncRun],
    summary="The dossier's latest sync runs, newest first (sync status)",
)
async def list_syncs(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SyncRun]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger.list_syncs(connection, scope.office_id, scope.dossier_id, limit)
    return [SyncRun.model_validate(dict(row)) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/postings",
    response_model=list[Posting],
    summary="Validated proposals and what became of them in the books, newest first",
)
async def list_postings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    status_filter: Annotated[
        str | None, Query(alias="status", pattern="^(posted|failed|connector_unavailable)$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Posting]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger.list_postings(
            connection, scope.office_id, scope.dossier_id, status_filter, limit, offset
        )
    return [Posting.model_validate(dict(row)) for row in rows]
