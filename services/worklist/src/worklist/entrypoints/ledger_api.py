"""The dossier's ledger master data as the worklist knows it (read-only; the package is the
master and sync publishes it as ledger.synced.v1)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.events import BookingPeriod, Counterparty, GLAccount, Journal, VatCode
from ledgerline.service import CurrentRuntime

from worklist.adapters import ledger_copy
from worklist.entrypoints.api import VALIDATORS

router = APIRouter(tags=["ledger master data"])

Scope = Annotated[DossierScope, dossier_scope(*VALIDATORS)]


@router.get(
    "/dossiers/{dossier_id}/ledger/counterparties",
    response_model=list[Counterparty],
    summary="The dossier's customers and suppliers in the accounting package, by number",
)
async def list_counterparties(
    runtime: CurrentRuntime,
    scope: Scope,
    kind: Literal["customer", "supplier"] | None = None,
    vat_number: Annotated[str | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Counterparty]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger_copy.list_counterparties(
            connection, scope.office_id, scope.dossier_id, kind, vat_number, limit, offset
        )
    return [Counterparty.model_validate(dict(row) | {"ibans": tuple(row["ibans"])}) for row in rows]


async def _master_data(runtime: Any, scope: DossierScope, kind: str) -> list[dict]:
    async with runtime.pool.acquire() as connection:
        return await ledger_copy.list_master_data(
            connection, scope.office_id, scope.dossier_id, kind
        )


@router.get(
    "/dossiers/{dossier_id}/ledger/accounts",
    response_model=list[GLAccount],
    summary="The dossier's chart of accounts (PCMN class, type, suspense)",
)
async def list_accounts(runtime: CurrentRuntime, scope: Scope) -> list[dict]:
    return await _master_data(runtime, scope, "account")


@router.get(
    "/dossiers/{dossier_id}/ledger/vat-codes",
    response_model=list[VatCode],
    summary="The dossier's VAT codes",
)
async def list_vat_codes(runtime: CurrentRuntime, scope: Scope) -> list[dict]:
    return await _master_data(runtime, scope, "vat_code")


@router.get(
    "/dossiers/{dossier_id}/ledger/journals",
    response_model=list[Journal],
    summary="The dossier's journals with their document number format and next number",
)
async def list_journals(runtime: CurrentRuntime, scope: Scope) -> list[dict]:
    return await _master_data(runtime, scope, "journal")


@router.get(
    "/dossiers/{dossier_id}/ledger/periods",
    response_model=list[BookingPeriod],
    summary="The dossier's booking periods, open or closed",
)
async def list_periods(runtime: CurrentRuntime, scope: Scope) -> list[dict]:
    return await _master_data(runtime, scope, "period")
