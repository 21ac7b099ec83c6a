"""Payments made through the platform and their journalising in the books: list them, and try a
refused one again once the office fixed the cause (switched the payment module on, booked the
invoice, gave the bank account a financial journal)."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events import PaymentSettled
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import journalisings
from sync.config import SyncSettings
from sync.connectors.contract import ConnectorUnavailable
from sync.payment_journalising import journalise

router = APIRouter(tags=["ledger"])

JournalisingStatus = Literal["requested", "journalised", "failed", "connector_unavailable"]

EXAMPLE = {
    "payment_id": "9a7e0c52-0000-4000-8000-000000000001",
    "dossier_id": "d0551e00-0000-4000-8000-000000000001",
    "document_id": "3f2b8c1e-0000-4000-8000-000000000001",
    "amount": "1656.25",
    "paid_on": "2026-12-01",
    "status": "journalised",
    "journal": "BNK1",
    "document_number": "26000007",
    "transaction_id": "BNK1/26000007",
    "reason": "the payment module of dossier PEETERS is off",
    "attempts": 1,
    "created_at": "2026-12-01T10:00:00Z",
    "updated_at": "2026-12-01T10:00:01Z",
}


class Journalising(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [EXAMPLE]})

    payment_id: UUID
    dossier_id: UUID
    document_id: UUID | None
    amount: Decimal
    paid_on: date
    status: JournalisingStatus = Field(
        description="requested (sent to the dossier's Kafka connector), journalised, failed "
        "(the office must act; `reason` says why), connector_unavailable (being retried)"
    )
    journal: str | None = Field(description="The bank journal it was booked in")
    document_number: str | None
    transaction_id: str | None
    reason: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime


@router.get(
    "/dossiers/{dossier_id}/payment-journalisings",
    response_model=list[Journalising],
    summary="Payments made through the platform and their journalising in the books",
)
async def list_journalisings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    status_filter: Annotated[JournalisingStatus | None, Query(alias="status")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Journalising]:
    async with runtime.pool.acquire() as connection:
        rows = await journalisings.list_for_dossier(
            connection, scope.office_id, scope.dossier_id, status_filter, limit, offset
        )
    return [Journalising.model_validate(dict(row)) for row in rows]


@router.post(
    "/dossiers/{dossier_id}/payment-journalisings/{payment_id}/retry",
    response_model=Journalising,
    summary="Journalise a refused payment again (after the office fixed the cause)",
    responses={
        404: error_response("No such payment in the dossier"),
        409: error_response("The payment is journalised (or requested) already"),
        503: error_response("The accounting package cannot be reached; try again later"),
    },
)
async def retry_journalising(
    payment_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
) -> Journalising:
    settings: SyncSettings = runtime.settings  # type: ignore[assignment]
    try:
        async with runtime.unit_of_work() as uow:
            current = await journalisings.get(uow.conn, scope.office_id, payment_id)
            if current is None or current["dossier_id"] != scope.dossier_id:
                raise HTTPException(
                    status.HTTP_404_NOT_FOUND, f"payment {payment_id} not found in the dossier"
                )
            if current["status"] in ("journalised", "requested"):
                raise HTTPException(
                    status.HTTP_409_CONFLICT,
                    f"payment {payment_id} is {current['status']} already",
                )
            settled = PaymentSettled.model_validate_json(current["settled"])
            await journalise(uow, scope.office_id, scope.dossier_id, settled, settings)
            row = await journalisings.get(uow.conn, scope.office_id, payment_id)
    except ConnectorUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.reason) from exc
    assert row is not None
    return Journalising.model_validate(dict(row))
