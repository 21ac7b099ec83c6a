"""Dossiers: activation, lookup, changes and deactivation (office admin).

Sync owns the dossiers; every other service keeps a copy from the events published here
(`dossier.activated.v1`, `.updated.v1`, `.deactivated.v1`) and checks each request against it.
"""

import asyncio
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import (
    OFFICE_ROLES,
    CurrentPrincipal,
    DossierScope,
    Principal,
    Role,
    dossier_scope,
)
from ledgerline.errors import error_response
from ledgerline.events import ConnectorKind, DossierActivated, DossierDeactivated, DossierUpdated
from ledgerline.service import CurrentRuntime, Runtime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field
from uuid_utils.compat import uuid7

from sync.adapters import dossiers, office
from sync.adapters.connectors import check_dossier_code, connector_for
from sync.connectors.contract import UnknownDossier
from sync.domain.office import (
    OfficeRuleViolation,
    Validation,
    check_may_activate,
    check_payment_module,
    dossier_codes,
)

router = APIRouter(tags=["dossiers"])

AccountingPackage = Literal[
    "winbooks", "exact", "bob50", "adsolut", "expertm", "wings", "octopus", "beancount"
]


EXAMPLE_DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"


SALES_SEQUENCE_CHECK = (
    "Warn in the worklist when a sales invoice number does not follow the previous one "
    "(seed 003: unless the dossier switches the check off)"
)


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
                    "validation": "hybrid",
                    "payment_module": False,
                    "financial_menu": True,
                    "vat_exempt": False,
                    "nightly_sync": True,
                    "books_up_to_date_until": "2026-10-31",
                    "sales_sequence_check": True,
                }
            ]
        }
    )

    id: UUID | None = Field(default=None, description="Choose the id, or let the platform choose")
    name: SingleLine = Field(min_length=1, max_length=200, examples=["Bakkerij Peeters BV"])
    vat_number: SingleLine | None = Field(default=None, max_length=30, examples=["BE0123456749"])
    accounting_package: AccountingPackage
    installation: SingleLine | None = Field(
        default=None, max_length=200, description="The package's installation (or path)"
    )
    dossier_code: SingleLine = Field(
        min_length=1, max_length=50, description="The dossier's code in the package"
    )
    configuration: Literal["B", "C", "D"] = Field(
        default="C",
        description="B processing + archive, C processing + full feedback, D feedback only",
    )
    language: Literal["nl", "fr", "en", "de"] = "nl"
    validation: Validation = Field(
        default="office",
        description="Who validates the booking proposals: an office employee, an employee with "
        "the client's input (hybrid), or the client",
    )
    payment_module: bool = Field(
        default=False, description="Only when the office allows the payment module (else 409)"
    )
    financial_menu: bool = Field(
        default=True, description="Show the financial tab and journals in the client portal"
    )
    vat_exempt: bool = False
    nightly_sync: bool = Field(default=True, description="Synchronise the ledger every night")
    books_up_to_date_until: date | None = Field(
        default=None, description="Until when the books are up to date in the package"
    )
    connector: ConnectorKind = Field(
        default="in_process",
        description="How sync reaches the package: `in_process` (a connector inside sync: the "
        "Beancount reference connector) or `kafka` (an external connector that consumes "
        "booking.requested.v1 and answers over Kafka; docs/connectors.md). The dossier code "
        "of a `kafka` dossier is checked by its connector, not at activation",
    )
    sales_sequence_check: bool = Field(default=True, description=SALES_SEQUENCE_CHECK)


class DossierActivations(DossierActivation):
    """Several dossiers of one package at once, with the same options: all or none."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Bakkerij Peeters",
                    "accounting_package": "beancount",
                    "dossier_code": "PEETERS;PEETERS-2025",
                    "configuration": "C",
                    "language": "nl",
                }
            ]
        }
    )

    id: None = Field(default=None, description="Not with several codes: the platform chooses")
    dossier_code: SingleLine = Field(  # type: ignore[assignment]
        min_length=1,
        max_length=2000,
        description="The dossiers' codes in the package, separated by `;`; each dossier is named "
        "`name (code)` when there are several",
    )


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
    installation: SingleLine | None = Field(default=None, max_length=200)
    validation: Validation | None = None
    payment_module: bool | None = Field(
        default=None, description="Only when the office allows the payment module (else 409)"
    )
    financial_menu: bool | None = None
    vat_exempt: bool | None = None
    nightly_sync: bool | None = None
    books_up_to_date_until: date | None = None
    connector: ConnectorKind | None = Field(
        default=None, description="Move the dossier to an in-process or a Kafka connector"
    )
    sales_sequence_check: bool | None = Field(default=None, description=SALES_SEQUENCE_CHECK)


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
                    "installation": "exact-online",
                    "validation": "office",
                    "payment_module": False,
                    "financial_menu": True,
                    "vat_exempt": False,
                    "nightly_sync": True,
                    "books_up_to_date_until": "2026-10-31",
                    "proposal_counter_reset_at": "2026-11-30T10:00:00Z",
                    "active_period": "2026-11",
                    "sales_sequence_check": True,
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
    installation: str | None = None
    validation: Validation = "office"
    payment_module: bool = False
    financial_menu: bool = True
    vat_exempt: bool = False
    nightly_sync: bool = True
    books_up_to_date_until: date | None = None
    proposal_counter_reset_at: datetime | None = Field(
        default=None, description="When the counter of bookings posted was last reset"
    )
    active_period: str | None = Field(
        default=None, description="The active booking period set at the last manual sync"
    )
    connector: ConnectorKind = Field(
        default="in_process", description="in_process, or kafka: an external connector"
    )
    sales_sequence_check: bool = Field(default=True, description=SALES_SEQUENCE_CHECK)


def dossier_options(dossier: Dossier) -> dict[str, Any]:
    """What dossier.activated.v1 and dossier.updated.v1 say of the dossier's settings."""
    return dossier.model_dump(
        include={
            "name",
            "vat_number",
            "accounting_package",
            "dossier_code",
            "configuration",
            "language",
            "installation",
            "validation",
            "payment_module",
            "financial_menu",
            "vat_exempt",
            "nightly_sync",
            "books_up_to_date_until",
            "connector",
            "sales_sequence_check",
        }
    )


def updated_event(dossier: Dossier, email_domain: str, changed: list[str]) -> DossierUpdated:
    return DossierUpdated(
        **dossier_options(dossier),
        proposal_counter_reset_at=dossier.proposal_counter_reset_at,
        active_period=dossier.active_period,
        email_domain=email_domain,
        changed=tuple(sorted(changed)),
    )


ACTIVATION_ERRORS: dict[int | str, dict[str, Any]] = {
    403: error_response(
        "The caller may not activate dossiers (office setting dossier_activation)",
        "only an office admin may activate dossiers in this office (office setting "
        "dossier_activation)",
    ),
    409: error_response(
        "The office already activated this dossier (same package and code, or same id), or the "
        "payment module is asked for while the office does not allow it",
        "dossier PEETERS-01 of exact is already active",
    ),
    422: error_response(
        "Invalid fields, an `id` that cannot be used, or a dossier code the package does not know",
        "no Beancount ledger for dossier PEETERS-9 in /var/lib/ledgerline/ledgers",
    ),
}


@router.post(
    "/dossiers",
    status_code=status.HTTP_201_CREATED,
    response_model=Dossier,
    summary="Activate a dossier from the accounting package (office admin; employees too when "
    "the office allows it)",
    description="Several codes separated by `;`: use POST /dossiers/activations.",
    responses=ACTIVATION_ERRORS,
)
async def activate_dossier(
    activation: DossierActivation, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Dossier:
    if ";" in activation.dossier_code:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "body.dossier_code: several codes separated by ';' are activated with "
            "POST /dossiers/activations",
        )
    return (await _activate(activation, [activation.dossier_code], principal, runtime))[0]


@router.post(
    "/dossiers/activations",
    status_code=status.HTTP_201_CREATED,
    response_model=list[Dossier],
    summary="Activate several dossiers of the package at once: codes separated by `;`, all or none",
    responses=ACTIVATION_ERRORS,
)
async def activate_dossiers(
    activation: DossierActivations, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> list[Dossier]:
    try:
        codes = dossier_codes(activation.dossier_code)
    except OfficeRuleViolation as violation:
        raise HTTPException(violation.status, violation.reason) from violation
    return await _activate(activation, codes, principal, runtime)


async def _activate(
    activation: DossierActivation,
    codes: list[str],
    principal: Principal,
    runtime: Runtime,
) -> list[Dossier]:
    async with runtime.pool.acquire() as connection:
        settings = await office.settings(connection, principal.office_id)
    try:
        check_may_activate(principal.role, settings["dossier_activation"])
        check_payment_module(activation.payment_module, settings["payment_module_allowed"])
    except OfficeRuleViolation as violation:
        raise HTTPException(violation.status, violation.reason) from violation
    # A Kafka-connected dossier's code is known to its external connector only.
    connector = (
        connector_for(activation.accounting_package, runtime.settings.ledger_root)  # type: ignore[attr-defined]
        if activation.connector == "in_process"
        else None
    )
    if connector is not None:
        unknown = []
        for code in codes:
            try:
                await asyncio.to_thread(check_dossier_code, connector, code)
            except UnknownDossier as exc:
                unknown.append(exc.reason)
        if unknown:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(unknown))
    activated = []
    async with runtime.unit_of_work() as uow:
        for code in codes:
            values = activation.model_dump() | {
                "id": activation.id or uuid7(),
                "office_id": principal.office_id,
                "dossier_code": code,
                "name": activation.name if len(codes) == 1 else f"{activation.name} ({code})",
            }
            row = await dossiers.insert(uow.conn, values)
            if row is None:
                # Raising rolls the whole activation back: all dossiers or none.
                raise await _refused_activation(uow.conn, values)
            dossier = Dossier(**dict(row))
            # An employee who activates a dossier is assigned to it (when the office lists them).
            await office.assign_activator(
                uow.conn, principal.office_id, principal.subject, row["id"]
            )
            uow.emit(
                DossierActivated(
                    **dossier_options(dossier),
                    email_domain=runtime.settings.mail_domain,  # type: ignore[attr-defined]
                ),
                dossier_id=dossier.id,
                office_id=dossier.office_id,
                subject=f"dossiers/{dossier.id}",
            )
            activated.append(dossier)
    return activated


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
    summary="Change a dossier's details and options (office admin)",
    responses={
        409: error_response(
            "Another dossier of the office has the code, or the payment module is asked for "
            "while the office does not allow it",
            "another dossier of the office has the code PEETERS-02",
        )
    },
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
    for field in (
        "validation",
        "payment_module",
        "financial_menu",
        "vat_exempt",
        "nightly_sync",
        "connector",
        "sales_sequence_check",
    ):
        if field in changes and changes[field] is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field} cannot be emptied")
    async with runtime.unit_of_work() as uow:
        if changes.get("payment_module"):
            settings = await office.settings(uow.conn, scope.office_id)
            try:
                check_payment_module(True, settings["payment_module_allowed"])
            except OfficeRuleViolation as violation:
                raise HTTPException(violation.status, violation.reason) from violation
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
            updated_event(dossier, runtime.settings.mail_domain, list(changes)),  # type: ignore[attr-defined]
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
