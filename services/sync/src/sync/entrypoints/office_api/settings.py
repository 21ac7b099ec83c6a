"""The office's settings (seed 003 "Kantoorinstellingen"), for its admins."""

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import CurrentPrincipal
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import office
from sync.domain.office import DossierActivationBy
from sync.entrypoints.office_api.common import ADMINS_ONLY, OFFICE_ID, require_admin

router = APIRouter(tags=["office"])


class OfficeSettingsIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Kantoor Janssens & Co",
                    "payment_module_allowed": True,
                    "key_figures_closed_periods_only": True,
                    "dossier_activation": "admins",
                }
            ]
        },
    )

    name: SingleLine | None = Field(
        default=None, max_length=200, description="Shown on the portal's login page"
    )
    payment_module_allowed: bool = Field(
        default=False, description="The office has the payment module: dossiers may switch it on"
    )
    key_figures_closed_periods_only: bool = Field(
        default=False,
        description="Dashboard key figures only from booking periods closed before the date "
        "'books up to date until'",
    )
    dossier_activation: DossierActivationBy = Field(
        default="admins", description="Who may activate dossiers: the admins, or employees too"
    )


class OfficeSettingsUpdate(OfficeSettingsIn):
    """What PUT takes: the settings, and what GET returned with them may come back unchanged."""

    model_config = ConfigDict(extra="forbid")

    office_id: UUID | None = Field(
        default=None, description="As GET returned it: the office signed in to, no other"
    )
    updated_at: datetime | None = Field(
        default=None,
        description="As GET returned it (null: never saved): the settings are saved only if "
        "nobody saved them since, else 409. Left out: saved whatever was saved since",
    )


class OfficeSettings(OfficeSettingsIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "office_id": OFFICE_ID,
                    "name": "Kantoor Janssens & Co",
                    "payment_module_allowed": True,
                    "key_figures_closed_periods_only": True,
                    "dossier_activation": "admins",
                    "updated_at": "2026-11-30T09:00:00Z",
                }
            ]
        }
    )

    office_id: UUID
    updated_at: datetime | None = Field(description="None: the office never saved its settings")


@router.get(
    "/office/settings",
    response_model=OfficeSettings,
    summary="The office's settings (office admin); the defaults until they are saved",
    responses={403: ADMINS_ONLY},
)
async def get_settings(principal: CurrentPrincipal, runtime: CurrentRuntime) -> OfficeSettings:
    require_admin(principal)
    async with runtime.pool.acquire() as connection:
        return OfficeSettings(**await office.settings(connection, principal.office_id))


CHANGED_SINCE = error_response(
    "The settings were saved since the `updated_at` sent: read them again",
    "the office's settings were saved at 2026-11-30T10:15:00+00:00, after you read them: "
    "read them again",
)


@router.put(
    "/office/settings",
    response_model=OfficeSettings,
    summary="Save the office's settings (office admin); fields left out take their default. "
    "The body GET returned may be sent back changed",
    responses={403: ADMINS_ONLY, 409: CHANGED_SINCE},
)
async def put_settings(
    body: OfficeSettingsUpdate, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> OfficeSettings:
    require_admin(principal)
    if body.office_id is not None and body.office_id != principal.office_id:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            f"office_id {body.office_id} is not the office you are signed in to "
            f"({principal.office_id})",
        )
    async with runtime.unit_of_work() as uow:
        saved = await office.save_settings(
            uow.conn,
            principal.office_id,
            body.model_dump(include=set(OfficeSettingsIn.model_fields)),
            unchanged_since=body.updated_at,
            check_unchanged="updated_at" in body.model_fields_set,
        )
        if saved is None:
            current = await office.settings(uow.conn, principal.office_id)
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the office's settings were saved at {current['updated_at'].isoformat()}, "
                "after you read them: read them again",
            )
    return OfficeSettings(**saved)
