"""The dossier's payment settings: whether payments wait for approval."""

from fastapi import APIRouter, HTTPException, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from payments.adapters import repository
from payments.entrypoints.scopes import PayerScope

router = APIRouter()


class PaymentSettings(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"approval_required": True}]})

    approval_required: bool = Field(description="Payments wait for approval before the basket")


@router.get(
    "/dossiers/{dossier_id}/payment-settings",
    response_model=PaymentSettings,
    tags=["payments"],
    summary="Whether payments wait for approval",
)
async def get_settings(runtime: CurrentRuntime, scope: PayerScope) -> PaymentSettings:
    async with runtime.pool.acquire() as connection:
        required = await repository.approval_required(connection, scope.office_id, scope.dossier_id)
    return PaymentSettings(approval_required=required)


@router.put(
    "/dossiers/{dossier_id}/payment-settings",
    response_model=PaymentSettings,
    tags=["payments"],
    summary="Switch the payment approval process on or off",
    responses={
        409: error_response(
            "Payments await approval, so the process cannot be switched off",
            "2 payments are awaiting approval; the process cannot be switched off now",
        )
    },
)
async def put_settings(
    settings: PaymentSettings, runtime: CurrentRuntime, scope: PayerScope
) -> PaymentSettings:
    async with runtime.unit_of_work() as uow:
        waiting = await repository.count_awaiting_approval(
            uow.conn, scope.office_id, scope.dossier_id
        )
        if not settings.approval_required and waiting:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{waiting} payments are awaiting approval; the process cannot be switched off now",
            )
        await repository.set_approval_required(
            uow.conn, scope.office_id, scope.dossier_id, settings.approval_required
        )
    return settings
