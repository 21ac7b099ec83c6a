"""What the gateway's rule editor offers: the dossier's suppliers (from the synced books) and its
users (from sync), the only ones an invoice rule may name as suppliers and a rule as approvers."""

from typing import Annotated

from fastapi import APIRouter, Query
from ledgerline.service import CurrentRuntime

from approvals.adapters import repository
from approvals.entrypoints.access import ReaderScope
from approvals.entrypoints.schemas import KnownSupplier, KnownUser

router = APIRouter(tags=["invoice approval rules"])


@router.get(
    "/dossiers/{dossier_id}/suppliers",
    response_model=list[KnownSupplier],
    summary="The dossier's suppliers an invoice rule may name",
    description="The suppliers of the dossier's books as approvals' copy has them (kept from "
    "`ledger.synced.v1`), by number. A rule names them in `supplier_numbers` or by their VAT "
    "number in `supplier_vats`.",
)
async def list_suppliers(
    runtime: CurrentRuntime,
    scope: ReaderScope,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[KnownSupplier]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.suppliers(
            connection, scope.office_id, scope.dossier_id, limit=limit, offset=offset
        )
    return [KnownSupplier(**dict(row) | {"ibans": list(row["ibans"])}) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/approvers",
    response_model=list[KnownUser],
    summary="The dossier's users a rule may name as approvers",
    description="The dossier's users as sync last published them (`dossier.users-changed.v1`).",
)
async def list_possible_approvers(runtime: CurrentRuntime, scope: ReaderScope) -> list[KnownUser]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.dossier_users(connection, scope.office_id, scope.dossier_id)
    return [KnownUser(**dict(row)) for row in rows]
