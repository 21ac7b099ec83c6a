"""Office administration (seed 003 "Kantoorinstellingen"): the office's settings, its employees
with their dossiers and client groups, client groups, the users of each dossier (client
profiles), and what the identity provider asks: which dossiers a subject may see.

Tokens stay the way access is decided: the identity provider writes the `role` and `dossiers`
claims from `GET /access/offices/{office_id}/subjects/{subject}`; the lists kept here are what it
reads. Office settings, employees and client groups are for the office's admins only.
"""

import inspect
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, Response, status
from ledgerline.auth import CurrentPrincipal, DossierScope, Principal, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import office
from sync.domain.office import (
    ClientProfile,
    DossierActivationBy,
    EmployeeAccess,
    EmployeeRole,
    OfficeRuleViolation,
    check_keeps_an_admin,
    client_role,
    employee_dossiers,
)
from sync.dossier_users_events import announce_dossier_users

router = APIRouter(tags=["office"])

OFFICE_ID = "0ff1ce00-0000-4000-8000-000000000001"
DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"
GROUP_ID = "9c0f0000-0000-4000-8000-000000000001"
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Subject = Annotated[
    str,
    Path(
        min_length=1,
        max_length=200,
        description="The subject (`sub` claim) the identity provider knows the person by",
    ),
]
ADMINS_ONLY = error_response(
    "Only an office admin manages the office", "only an office admin may manage the office"
)


def _admin(principal: Principal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an office admin may manage the office")
    return principal


def _refused(violation: OfficeRuleViolation) -> HTTPException:
    return HTTPException(violation.status, violation.reason)


def _admin_read_routes(
    collection: str,
    model: type[BaseModel],
    *,
    key: Callable[..., Any],
    rows: Callable[[asyncpg.Connection, UUID], Awaitable[list[asyncpg.Record]]],
    row: Callable[[asyncpg.Connection, UUID, Any], Awaitable[asyncpg.Record | None]],
    not_found: Callable[[Any], HTTPException],
    list_name: str,
    list_summary: str,
    one_name: str,
    one_summary: str,
    one_responses: dict[int | str, dict[str, Any]],
) -> None:
    """`GET /office/<collection>` and `GET /office/<collection>/{key}` of what an office admin
    manages: load (all of the office's, or one), 404 when the one is not the office's, answer
    as `model`. `key` is the dependency that reads the path's key: its one parameter gives the
    key's name and type."""

    @router.get(
        f"/office/{collection}",
        response_model=list[model],  # type: ignore[valid-type]
        summary=list_summary,
        responses={403: ADMINS_ONLY},
        name=list_name,
    )
    async def list_all(principal: CurrentPrincipal, runtime: CurrentRuntime) -> list[Any]:
        _admin(principal)
        async with runtime.pool.acquire() as connection:
            found = await rows(connection, principal.office_id)
        return [model(**dict(record)) for record in found]

    @router.get(
        f"/office/{collection}/{{{next(iter(inspect.signature(key).parameters))}}}",
        response_model=model,
        summary=one_summary,
        responses=one_responses,
        name=one_name,
    )
    async def get_one(
        identifier: Annotated[Any, Depends(key)],
        principal: CurrentPrincipal,
        runtime: CurrentRuntime,
    ) -> Any:
        _admin(principal)
        async with runtime.pool.acquire() as connection:
            record = await row(connection, principal.office_id, identifier)
        if record is None:
            raise not_found(identifier)
        return model(**dict(record))


def _subject_key(subject: Subject) -> str:
    return subject


def _group_key(group_id: UUID) -> UUID:
    return group_id


# ------------------------------------------------------------------ settings


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
    _admin(principal)
    async with runtime.pool.acquire() as connection:
        return OfficeSettings(**await office.settings(connection, principal.office_id))


@router.put(
    "/office/settings",
    response_model=OfficeSettings,
    summary="Save the office's settings (office admin); fields left out take their default",
    responses={403: ADMINS_ONLY},
)
async def put_settings(
    body: OfficeSettingsIn, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> OfficeSettings:
    _admin(principal)
    async with runtime.unit_of_work() as uow:
        saved = await office.save_settings(uow.conn, principal.office_id, body.model_dump())
    return OfficeSettings(**saved)


# ------------------------------------------------------------------ employees

EMPLOYEE_EXAMPLE = {
    "subject": "els.peeters@kantoor-janssens.be",
    "name": "Els Peeters",
    "email": "els.peeters@kantoor-janssens.be",
    "role": "employee",
    "dossiers": [DOSSIER_ID],
    "client_groups": [GROUP_ID],
}


class EmployeeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EMPLOYEE_EXAMPLE]})

    subject: SingleLine = Field(
        min_length=1, max_length=200, pattern=r"^[^/]+$", description="The `sub` claim"
    )
    name: SingleLine = Field(min_length=1, max_length=200)
    email: SingleLine = Field(max_length=320, pattern=EMAIL_PATTERN)
    role: EmployeeRole = "employee"
    dossiers: list[UUID] = Field(
        default_factory=list, max_length=10_000, description="Dossiers assigned to the employee"
    )
    client_groups: list[UUID] = Field(default_factory=list, max_length=1000)


class EmployeeChange(BaseModel):
    """Fields left out keep their value; `dossiers` and `client_groups` replace the lists."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"role": "support", "dossiers": []}]}
    )

    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    email: SingleLine | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    role: EmployeeRole | None = None
    dossiers: list[UUID] | None = Field(default=None, max_length=10_000)
    client_groups: list[UUID] | None = Field(default=None, max_length=1000)


class Employee(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                EMPLOYEE_EXAMPLE
                | {
                    "office_id": OFFICE_ID,
                    "created_at": "2026-11-30T09:00:00Z",
                    "updated_at": "2026-11-30T09:00:00Z",
                }
            ]
        }
    )

    office_id: UUID
    subject: str
    name: str
    email: str
    role: EmployeeRole
    dossiers: list[UUID]
    client_groups: list[UUID]
    created_at: datetime
    updated_at: datetime


async def _check_links(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: list[UUID] | None,
    group_ids: list[UUID] | None,
) -> None:
    """404 naming the ids that are not the office's (another office's are unknown here)."""
    if dossier_ids:
        unknown = await office.unknown_dossiers(connection, office_id, dossier_ids)
        if unknown:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "not dossiers of the office: " + ", ".join(map(str, unknown)),
            )
    if group_ids:
        unknown = await office.unknown_groups(connection, office_id, group_ids)
        if unknown:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "not client groups of the office: " + ", ".join(map(str, unknown)),
            )


def _employee_not_found(subject: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"employee {subject} not found")


_admin_read_routes(
    "employees",
    Employee,
    key=_subject_key,
    rows=office.employees,
    row=office.employee,
    not_found=_employee_not_found,
    list_name="list_employees",
    list_summary="The office's employees (office admin)",
    one_name="get_employee",
    one_summary="One employee (office admin)",
    one_responses={
        403: ADMINS_ONLY,
        404: error_response("No such employee in the office", "employee els@x.be not found"),
    },
)


@router.post(
    "/office/employees",
    status_code=status.HTTP_201_CREATED,
    response_model=Employee,
    summary="Add an employee: admin, employee or support (office admin)",
    responses={
        403: ADMINS_ONLY,
        404: error_response(
            "A dossier or client group named is not the office's",
            f"not dossiers of the office: {DOSSIER_ID}",
        ),
        409: error_response(
            "The office has an employee with that subject or e-mail address",
            "the office already has an employee els.peeters@kantoor-janssens.be",
        ),
    },
)
async def add_employee(
    body: EmployeeIn, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Employee:
    _admin(principal)
    async with runtime.unit_of_work() as uow:
        await _check_links(uow.conn, principal.office_id, body.dossiers, body.client_groups)
        if not await office.insert_employee(uow.conn, principal.office_id, body.model_dump()):
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the office already has an employee {body.subject} or one with e-mail "
                f"{body.email}",
            )
        await office.set_employee_links(
            uow.conn, principal.office_id, body.subject, body.dossiers, body.client_groups
        )
        row = await office.employee(uow.conn, principal.office_id, body.subject)
    return Employee(**dict(row))


@router.patch(
    "/office/employees/{subject}",
    response_model=Employee,
    summary="Change an employee's details, role, dossiers or client groups (office admin)",
    responses={
        403: ADMINS_ONLY,
        404: error_response(
            "No such employee, or a dossier or client group named is not the office's",
            "employee els@x.be not found",
        ),
        409: error_response(
            "The office's last admin cannot stop being admin; or the e-mail address is taken",
            "anna@kantoor-janssens.be is the office's last admin and must stay admin",
        ),
    },
)
async def change_employee(
    subject: Subject, change: EmployeeChange, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Employee:
    _admin(principal)
    changes = change.model_dump(exclude_unset=True)
    for field in ("name", "email", "role"):
        if field in changes and changes[field] is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field} cannot be emptied")
    async with runtime.unit_of_work() as uow:
        if await office.employee(uow.conn, principal.office_id, subject) is None:
            raise _employee_not_found(subject)
        await _check_links(uow.conn, principal.office_id, change.dossiers, change.client_groups)
        if "role" in changes:
            admins = await office.lock_admins(uow.conn, principal.office_id)
            try:
                check_keeps_an_admin(admins, subject, changes["role"])
            except OfficeRuleViolation as violation:
                raise _refused(violation) from violation
        try:
            await office.update_employee(uow.conn, principal.office_id, subject, changes)
        except asyncpg.UniqueViolationError as exc:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"another employee of the office has the e-mail address {changes.get('email')}",
            ) from exc
        await office.set_employee_links(
            uow.conn, principal.office_id, subject, change.dossiers, change.client_groups
        )
        row = await office.employee(uow.conn, principal.office_id, subject)
    return Employee(**dict(row))


@router.delete(
    "/office/employees/{subject}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove an employee (office admin); never the office's last admin",
    responses={
        403: ADMINS_ONLY,
        404: error_response("No such employee in the office", "employee els@x.be not found"),
        409: error_response(
            "The office's last admin cannot be removed",
            "anna@kantoor-janssens.be is the office's last admin and must stay admin",
        ),
    },
)
async def remove_employee(
    subject: Subject, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Response:
    _admin(principal)
    async with runtime.unit_of_work() as uow:
        admins = await office.lock_admins(uow.conn, principal.office_id)
        try:
            check_keeps_an_admin(admins, subject, None)
        except OfficeRuleViolation as violation:
            raise _refused(violation) from violation
        if not await office.delete_employee(uow.conn, principal.office_id, subject):
            raise _employee_not_found(subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ client groups

GROUP_EXAMPLE = {"name": "Bakkers regio Gent", "dossiers": [DOSSIER_ID]}


class ClientGroupIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [GROUP_EXAMPLE]})

    name: SingleLine = Field(min_length=1, max_length=200)
    dossiers: list[UUID] = Field(default_factory=list, max_length=10_000)


class ClientGroupChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"name": "Bakkers Oost-Vlaanderen"}]}
    )

    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    dossiers: list[UUID] | None = Field(default=None, max_length=10_000)


class ClientGroup(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                GROUP_EXAMPLE
                | {"id": GROUP_ID, "office_id": OFFICE_ID, "created_at": "2026-11-30T09:00:00Z"}
            ]
        }
    )

    id: UUID
    office_id: UUID
    name: str
    dossiers: list[UUID]
    created_at: datetime


def _group_not_found(group_id: UUID) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"client group {group_id} not found")


GROUP_EXISTS = error_response(
    "The office has a client group of that name", "the office has a client group Bakkers"
)


_admin_read_routes(
    "client-groups",
    ClientGroup,
    key=_group_key,
    rows=office.client_groups,
    row=office.client_group,
    not_found=_group_not_found,
    list_name="list_client_groups",
    list_summary="The office's client groups (office admin)",
    one_name="get_client_group",
    one_summary="One client group (office admin)",
    one_responses={403: ADMINS_ONLY, 404: error_response("No such client group in the office")},
)


@router.post(
    "/office/client-groups",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientGroup,
    summary="Add a client group with its dossiers (office admin)",
    responses={
        403: ADMINS_ONLY,
        404: error_response(
            "A dossier named is not the office's", f"not dossiers of the office: {DOSSIER_ID}"
        ),
        409: GROUP_EXISTS,
    },
)
async def add_client_group(
    body: ClientGroupIn, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> ClientGroup:
    _admin(principal)
    group_id = uuid4()
    async with runtime.unit_of_work() as uow:
        await _check_links(uow.conn, principal.office_id, body.dossiers, None)
        if not await office.insert_client_group(uow.conn, principal.office_id, group_id, body.name):
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"the office has a client group {body.name}"
            )
        await office.set_group_dossiers(uow.conn, group_id, body.dossiers)
        row = await office.client_group(uow.conn, principal.office_id, group_id)
    return ClientGroup(**dict(row))


@router.patch(
    "/office/client-groups/{group_id}",
    response_model=ClientGroup,
    summary="Rename a client group or replace its dossiers (office admin)",
    responses={
        403: ADMINS_ONLY,
        404: error_response("No such client group, or a dossier named is not the office's"),
        409: GROUP_EXISTS,
    },
)
async def change_client_group(
    group_id: UUID, change: ClientGroupChange, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> ClientGroup:
    _admin(principal)
    async with runtime.unit_of_work() as uow:
        if await office.client_group(uow.conn, principal.office_id, group_id) is None:
            raise _group_not_found(group_id)
        await _check_links(uow.conn, principal.office_id, change.dossiers, None)
        if change.name is not None:
            try:
                await office.rename_client_group(
                    uow.conn, principal.office_id, group_id, change.name
                )
            except asyncpg.UniqueViolationError as exc:
                raise HTTPException(
                    status.HTTP_409_CONFLICT, f"the office has a client group {change.name}"
                ) from exc
        if change.dossiers is not None:
            await office.set_group_dossiers(uow.conn, group_id, change.dossiers)
        row = await office.client_group(uow.conn, principal.office_id, group_id)
    return ClientGroup(**dict(row))


@router.delete(
    "/office/client-groups/{group_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Remove a client group (office admin); its employees lose its dossiers",
    responses={403: ADMINS_ONLY, 404: error_response("No such client group in the office")},
)
async def remove_client_group(
    group_id: UUID, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> Response:
    _admin(principal)
    async with runtime.unit_of_work() as uow:
        if not await office.delete_client_group(uow.conn, principal.office_id, group_id):
            raise _group_not_found(group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ dossier users

# Who manages a dossier's users: the office (admin, employee) and the client's administrator.
USER_MANAGERS = (Role.ADMIN, Role.EMPLOYEE, Role.CLIENT_ADMINISTRATOR)
USER_EXAMPLE = {
    "subject": "jan@bakkerij-peeters.be",
    "name": "Jan Peeters",
    "email": "jan@bakkerij-peeters.be",
    "profile": "client_full_access",
}


class DossierUserIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [USER_EXAMPLE]})

    subject: SingleLine = Field(min_length=1, max_length=200, pattern=r"^[^/]+$")
    name: SingleLine = Field(min_length=1, max_length=200)
    email: SingleLine = Field(max_length=320, pattern=EMAIL_PATTERN)
    profile: ClientProfile = Field(
        description="administrator, full access, document processing, document processing + "
        "archive, full feedback, or document delivery"
    )


class DossierUserChange(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"profile": "client_full_feedback"}]}
    )

    name: SingleLine | None = Field(default=None, min_length=1, max_length=200)
    email: SingleLine | None = Field(default=None, max_length=320, pattern=EMAIL_PATTERN)
    profile: ClientProfile | None = None


class DossierUser(DossierUserIn):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                USER_EXAMPLE
                | {
                    "office_id": OFFICE_ID,
                    "dossier_id": DOSSIER_ID,
                    "created_at": "2026-11-30T09:00:00Z",
                    "updated_at": "2026-11-30T09:00:00Z",
                }
            ]
        }
    )

    office_id: UUID
    dossier_id: UUID
    created_at: datetime
    updated_at: datetime


def _user_not_found(subject: str) -> HTTPException:
    # Never the dossier's id: the dossier was found, the user was not.
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{subject} is not a user of this dossier")


@router.get(
    "/dossiers/{dossier_id}/users",
    response_model=list[DossierUser],
    summary="The dossier's users with their profiles",
)
async def list_dossier_users(
    runtime: CurrentRuntime, scope: Annotated[DossierScope, dossier_scope(*USER_MANAGERS)]
) -> list[DossierUser]:
    async with runtime.pool.acquire() as connection:
        rows = await office.dossier_users(connection, scope.office_id, scope.dossier_id)
    return [DossierUser(**dict(row)) for row in rows]


@router.post(
    "/dossiers/{dossier_id}/users",
    status_code=status.HTTP_201_CREATED,
    response_model=DossierUser,
    summary="Give someone of the client access to the dossier with a profile",
    responses={
        409: error_response(
            "The subject is a user of the dossier already",
            "jan@bakkerij-peeters.be is a user of this dossier already",
        )
    },
)
async def add_dossier_user(
    body: DossierUserIn,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*USER_MANAGERS)],
) -> DossierUser:
    async with runtime.unit_of_work() as uow:
        row = await office.insert_dossier_user(
            uow.conn, scope.office_id, scope.dossier_id, body.model_dump()
        )
        if row is not None:
            await announce_dossier_users(
                uow, scope.office_id, scope.dossier_id, scope.principal.subject
            )
    if row is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"{body.subject} is a user of this dossier already"
        )
    return DossierUser(**dict(row))


@router.patch(
    "/dossiers/{dossier_id}/users/{subject}",
    response_model=DossierUser,
    summary="Change a dossier user's details or profile",
    responses={404: error_response("Not a user of the dossier")},
)
async def change_dossier_user(
    subject: Subject,
    change: DossierUserChange,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*USER_MANAGERS)],
) -> DossierUser:
    changes = change.model_dump(exclude_unset=True)
    if any(value is None for value in changes.values()):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "name, email and profile cannot be emptied"
        )
    async with runtime.unit_of_work() as uow:
        row = await office.update_dossier_user(
            uow.conn, scope.office_id, scope.dossier_id, subject, changes
        )
        if row is not None:
            await announce_dossier_users(
                uow, scope.office_id, scope.dossier_id, scope.principal.subject
            )
    if row is None:
        raise _user_not_found(subject)
    return DossierUser(**dict(row))


@router.delete(
    "/dossiers/{dossier_id}/users/{subject}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Take a user's access to the dossier away",
    responses={404: error_response("Not a user of the dossier")},
)
async def remove_dossier_user(
    subject: Subject,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*USER_MANAGERS)],
) -> Response:
    async with runtime.unit_of_work() as uow:
        if not await office.delete_dossier_user(
            uow.conn, scope.office_id, scope.dossier_id, subject
        ):
            raise _user_not_found(subject)
        await announce_dossier_users(
            uow, scope.office_id, scope.dossier_id, scope.principal.subject
        )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ------------------------------------------------------------------ for the identity provider

# The identity provider calls with a service token of the office, or a platform operator's.
ACCESS_READERS = frozenset({Role.SERVICE, Role.OPERATOR})


class DossierProfile(BaseModel):
    dossier_id: UUID
    profile: ClientProfile


class SubjectAccess(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "office_id": OFFICE_ID,
                    "subject": "els.peeters@kantoor-janssens.be",
                    "kind": "office",
                    "role": "employee",
                    "dossiers": [DOSSIER_ID],
                    "profiles": [],
                },
                {
                    "office_id": OFFICE_ID,
                    "subject": "jan@bakkerij-peeters.be",
                    "kind": "client",
                    "role": "client_full_access",
                    "dossiers": [DOSSIER_ID],
                    "profiles": [{"dossier_id": DOSSIER_ID, "profile": "client_full_access"}],
                },
            ]
        }
    )

    office_id: UUID
    subject: str
    kind: Literal["office", "client"] = Field(
        description="An employee of the office, or a user of the office's dossiers"
    )
    role: str | None = Field(
        description="The token's `role` claim; for a client user whose profiles differ per "
        "dossier, none: issue a token per dossier with the profile from `profiles`"
    )
    dossiers: list[UUID] = Field(
        description="The token's `dossiers` claim: the active dossiers the subject may see"
    )
    profiles: list[DossierProfile] = Field(description="A client user's profile per dossier")


@router.get(
    "/access/offices/{office_id}/subjects/{subject}",
    response_model=SubjectAccess,
    summary="Which dossiers a subject may see, for the identity provider's token claims",
    description="Called by the identity provider when it issues a token: an office admin sees "
    "every active dossier of the office; an employee or support the dossiers assigned to them "
    "and those of their client groups; a client user the dossiers they are a user of. Only a "
    "service token of the same office (role `service`) or a platform operator may ask.",
    responses={
        403: error_response(
            "Only a service of the office or a platform operator may ask",
            "only the identity provider (a service or operator token) may read access",
        ),
        404: error_response(
            "The subject is neither an employee nor a dossier user of the office",
            "jan@x.be has no access in this office",
        ),
    },
)
async def subject_access(
    office_id: UUID, subject: Subject, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> SubjectAccess:
    if principal.role not in ACCESS_READERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "only the identity provider (a service or operator token) may read access",
        )
    not_found = HTTPException(status.HTTP_404_NOT_FOUND, f"{subject} has no access in this office")
    if principal.role is Role.SERVICE and principal.office_id != office_id:
        raise not_found  # a service token of one office never reads another office's
    async with runtime.pool.acquire() as connection:
        employee = await office.employee(connection, office_id, subject)
        if employee is not None:
            access = EmployeeAccess(
                role=employee["role"],
                assigned=frozenset(employee["dossiers"]),
                via_groups=frozenset(
                    await office.group_dossiers_of(connection, office_id, subject)
                ),
            )
            active = await office.active_dossier_ids(connection, office_id)
            return SubjectAccess(
                office_id=office_id,
                subject=subject,
                kind="office",
                role=employee["role"],
                dossiers=employee_dossiers(access, active),
                profiles=[],
            )
        profiles = await office.client_profiles(connection, office_id, subject)
    if not profiles:
        raise not_found
    return SubjectAccess(
        office_id=office_id,
        subject=subject,
        kind="client",
        role=client_role(profiles),
        dossiers=sorted(profiles),
        profiles=[
            DossierProfile(dossier_id=dossier, profile=profile)  # type: ignore[arg-type]
            for dossier, profile in sorted(profiles.items())
        ],
    )
