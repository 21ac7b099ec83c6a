"""The worklist: booking proposals waiting for validation."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.events.invoice import RecognitionSource
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, Field

from worklist.adapters import repository

router = APIRouter(tags=["worklist"])

VALIDATORS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}


class Proposal(BaseModel):
    id: UUID
    dossier_id: UUID
    document_id: UUID
    source: RecognitionSource = Field(
        description="how recognition read the document: ubl, facturx, air (text PDF) or ocr (scan)"
    )
    status: str
    document_type: str | None
    journal: str
    period: str | None
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    counterparty_name: str | None
    counterparty_vat: str | None
    counterparty_known: bool
    currency: str | None
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    iban: str | None
    payment_reference: str | None
    vat_breakdown: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    warnings: list[str]
    created_at: datetime


@router.get(
    "/dossiers/{dossier_id}/proposals",
    response_model=list[Proposal],
    summary="Booking proposals of a dossier (the worklist), oldest first",
)
async def list_proposals(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*VALIDATORS)],
    status_filter: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> list[Proposal]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.list_proposals(
            connection, scope.office_id, scope.dossier_id, status_filter
        )
    return [Proposal.model_validate(dict(row)) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/proposals/{proposal_id}",
    response_model=Proposal,
    summary="One booking proposal",
)
async def get_proposal(
    proposal_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*VALIDATORS)],
) -> Proposal:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_proposal(
            connection, scope.office_id, scope.dossier_id, proposal_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"proposal {proposal_id} not found")
    return Proposal.model_validate(dict(row))
