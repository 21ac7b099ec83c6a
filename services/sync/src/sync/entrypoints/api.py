"""Dossiers: activation, lookup, changes and deactivation (office admin).

Sync owns the dossiers; every other service keeps a copy from the events published here
(`dossier.activated.v1`, `.updated.v1`, `.deactivated.v1`) and checks each request against it.
"""

import asyncio
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import OFFICE_ROLES, CurrentPrincipal, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events import DossierActivated, DossierDeactivated, DossierUpdated
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import dossiers
from sync.adapters.connectors import check_dossier_code, connector_for
from sync.connectors.contract import UnknownDossier

router = APIRouter(tags=["dossiers"])

AccountingPackage = Literal[
    "winbooks", "exact", "bob50", "adsolut", "expertm", "wings", "octopus", "beancount"
]


EXAMPLE_DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"


class DossierActivation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Bakkerij Peeters BV",
                    "vat_number": "BE0123456749",
                    "accounting_package": "exact",
                    "dossier_code": "PEETERS-01",
                    "configuration": "C",
                    "language": "nl",
                }
            ]
        }
    )

    id: UUID | None = Field(default=None, description="Choose the id, or let the platform choose")
    name: SingleLine = Field(min_length=1, max_length=200, examples=["Bakkerij Peeters BV"])
    vat_number: SingleLine | None = Field(default=None, max_length=30, examples=["BE0123456749"])
    accounting_package: AccountingPackage
    dossier_code: SingleLine = Field(
        min_length=1, max_length=50, description="The dossier's code in the package"
    )
    configuration: Literal["B", "C", "D"] = Field(
        default="C",
        description="B processing + archive, C processing + full feedback, D feedback only",
    )
    language: Literal["nl", "fr", "en", "de"] = "nl"


class DossierChange(BaseModel):
    """The details to change; fields left out keep their value."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "Bakkerij Peeters & Zonen BV", "language": "fr"}]}
    )

    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    vat_number: SingleLine | None = Field(default=None, max_length=30, examples=["BE0123456749"])
    dossier_code: SingleLine | None = Field(default=None, min_length=1, max_length=50)
    configuration: Literal["B", "C", "D"] | None = None
    language: Literal["nl", "fr", "en", "de"] | None = None


class Deactivation(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "The client moved to another office"}]}
    )

    reason: SingleLine | None = Field(default=None, max_length=500)


class Dossier(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": EXAMPLE_DOSSIER_ID,
                    "office_id": "0ff1ce00-0000-4000-8000-000000000001",
                    "name": "Bakkerij Peeters BV",
                    "vat_number": "BE0123456749",
                    "accounting_package": "exact",
                    "dossier_code": "PEETERS-01",
                    "configuration": "C",
                    "language": "nl",
                    "activated_at": "2026-11-30T09:15:00Z",
                    "active": True,
                    "updated_at": "2026-11-30T10:00:00Z",
                }
            ]
        }
    )

    id: UUID
    office_id: UUID
    name: str
    vat_number: str | None
    accounting_package: str
    dossier_code: str
    configuration: str
    language: str
    activated_at: datetime
    active: bool
    updated_at: datetime | None = None
    deactivated_at: datetime | None = None


@router.post(
    "/dossiers",
    status_code=status.HTTP_201_CREATED,
    response_model=Dossier,
    summary="Activate a dossier from the accounting package (office admin)",
    responses={
        403: error_response("Only an office admin may activate dossiers"),
        409: error_response(
            "The office already activated this dossier (same package and code, or same id)",
            "dossier PEETERS-01 of exact is already active",
        ),
        422: error_response("Invalid fields, or an `id` that cannot be used"),
    },
)
async def activate_dossier(
    activation: DossierActivation, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Dossier:
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an office admin may activate dossiers")
    connector = connector_for(activation.accounting_package, runtime.settings.ledger_root)  # type: ignore[attr-defined]
    if connector is not None:
        try:
            await asyncio.to_thread(check_dossier_code, connector, activation.dossier_code)
        except UnknownDossier as exc:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, exc.reason) from exc
    values = activation.model_dump() | {
        "id": activation.id or uuid4(),
        "office_id": principal.office_id,
    }
    async with runtime.unit_of_work() as uow:
        row = await dossiers.insert(uow.conn, values)
        if row is None:
            raise await _refused_activation(uow.conn, values)
        dossier = Dossier(**dict(row))
        uow.emit(
            DossierActivated(
                name=dossier.name,
                vat_number=dossier.vat_number,
                accounting_package=dossier.accounting_package,
                dossier_code=dossier.dossier_code,
                configuration=activation.configuration,
                language=activation.language,
                email_domain=runtime.settings.mail_domain,  # type: ignore[attr-defined]
            ),
            dossier_id=dossier.id,
            office_id=dossier.office_id,
            subject=f"dossiers/{dossier.id}",
        )
    return dossier


async def _refused_activation(
    connection: asyncpg.Connection, values: dict[str, Any]
) -> HTTPException:
    """Why an activation inserted nothing, told without revealing another office's dossiers."""
    clash = await dossiers.clash(connection, values)
    if clash == "code":
        return HTTPException(
            status.HTTP_409_CONFLICT,
            f"dossier {values['dossier_code']} of {values['accounting_package']} is already active",
        )
    if clash == "id":
        return HTTPException(status.HTTP_409_CONFLICT, f"dossier {values['id']} is already active")
    # The id is another office's: say only that it cannot be used, naming nothing of theirs.
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        "body.id: this id cannot be used; leave it out and the platform chooses one",
    )


@router.get(
    "/dossiers",
    response_model=list[Dossier],
    summary="Dossiers the caller may see",
    description="An office admin: every active dossier of the office. Anyone else: the active "
    "dossiers of the office their token assigns them to.",
)
async def list_dossiers(principal: CurrentPrincipal, runtime: CurrentRuntime) -> list[Dossier]:
    assigned = None if principal.sees_whole_office else list(principal.dossiers)
    async with runtime.pool.acquire() as connection:
        rows = await dossiers.list_visible(connection, principal.office_id, assigned)
    return [Dossier(**dict(row)) for row in rows]


@router.get("/dossiers/{dossier_id}", response_model=Dossier, summary="One dossier")
async def get_dossier(
    runtime: CurrentRuntime, scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)]
) -> Dossier:
    async with runtime.pool.acquire() as connection:
        row = await dossiers.get(connection, scope.office_id, scope.dossier_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    return Dossier(**dict(row))


@router.patch(
    "/dossiers/{dossier_id}",
    response_model=Dossier,
    summary="Change a dossier's details (office admin)",
)
async def change_dossier(
    change: DossierChange,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN)],
) -> Dossier:
    changes = change.model_dump(exclude_unset=True)
    if not changes:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "nothing to change")
    if any(changes[field] is None for field in ("name", "dossier_code") if field in changes):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "name and dossier_code cannot be emptied"
        )
    async with runtime.unit_of_work() as uow:
        try:
            row = await dossiers.update(uow.conn, scope.office_id, scope.dossier_id, changes)
        except asyncpg.UniqueViolationError as exc:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"another dossier of the office has the code {changes.get('dossier_code')}",
            ) from exc
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        dossier = Dossier(**dict(row))
        uow.emit(
            DossierUpdated(
                name=dossier.name,
                vat_number=dossier.vat_number,
                accounting_package=dossier.accounting_package,
                dossier_code=dossier.dossier_code,
                configuration=dossier.configuration,  # type: ignore[arg-type]
                language=dossier.language,  # type: ignore[arg-type]
                email_domain=runtime.settings.mail_domain,  # type: ignore[attr-defined]
            ),
            dossier_id=dossier.id,
            office_id=dossier.office_id,
            subject=f"dossiers/{dossier.id}",
        )
    return dossier


@router.post(
    "/dossiers/{dossier_id}/deactivate",
    response_model=Dossier,
    summary="Deactivate a dossier (office admin): every service answers 404 for it afterwards",
)
async def deactivate_dossier(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN)],
    deactivation: Deactivation | None = None,
) -> Dossier:
    async with runtime.unit_of_work() as uow:
        row = await dossiers.deactivate(uow.conn, scope.office_id, scope.dossier_id)
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        dossier = Dossier(**dict(row))
        uow.emit(
            DossierDeactivated(
                name=dossier.name,
                reason=deactivation.reason if deactivation else None,
                deactivated_by=scope.principal.subject,
            ),
            dossier_id=dossier.id,
            office_id=dossier.office_id,
            subject=f"dossiers/{dossier.id}",
        )
    return dossier
