"""The worklist: booking proposals waiting for validation."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events.invoice import RecognitionSource
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from worklist.adapters import repository

router = APIRouter(tags=["worklist"])

VALIDATORS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}


PROPOSAL_EXAMPLE = {
    "id": "b00c0000-0000-4000-8000-0000000000a1",
    "dossier_id": "d0551e00-0000-4000-8000-000000000001",
    "document_id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "source": "ubl",
    "status": "ok",
    "document_type": "invoice",
    "journal": "CFAAN",
    "period": "2026-11",
    "invoice_number": "2026-0042",
    "invoice_date": "2026-11-30",
    "due_date": "2026-12-30",
    "counterparty_name": "Meelhandel Janssens NV",
    "counterparty_vat": "BE0403019261",
    "counterparty_known": True,
    "currency": "EUR",
    "total_excl_vat": "1000.00",
    "total_vat": "210.00",
    "total_incl_vat": "1210.00",
    "iban": "BE71096123456769",
    "payment_reference": "+++010/8068/17183+++",
    "vat_breakdown": [
        {"category": "S", "rate": "21.00", "taxable_amount": "1000.00", "vat_amount": "210.00"}
    ],
    "lines": [
        {
            "description": "Bloem T55, 25 kg",
            "quantity": "40.00",
            "unit_code": "C62",
            "unit_price": "25.00",
            "net_amount": "1000.00",
            "vat_category": "S",
            "vat_rate": "21.00",
        }
    ],
    "warnings": [],
    "created_at": "2026-11-30T09:20:05Z",
}


class Proposal(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PROPOSAL_EXAMPLE]})

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
    responses={404: error_response("No such proposal in the dossier")},
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
