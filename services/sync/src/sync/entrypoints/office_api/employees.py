"""The office's employees (admin, employee, support) with their dossiers and client groups,
for its admins; the office always keeps an admin."""

from datetime import datetime
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import CurrentPrincipal
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import office
from sync.domain.office import EmployeeRole, OfficeRuleViolation, check_keeps_an_admin
from sync.entrypoints.office_api.common import (
    ADMINS_ONLY,
    DOSSIER_ID,
    EMAIL_PATTERN,
    GROUP_ID,
    OFFICE_ID,
    Subject,
    admin_read_routes,
    check_links,
    refused,
    require_admin,
)

router = APIRouter(tags=["office"])


def _subject_key(subject: Subject) -> str:
    return subject


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


def _employee_not_found(subject: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"employee {subject} not found")


admin_read_routes(
    router,
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
    require_admin(principal)
    async with runtime.unit_of_work() as uow:
        await check_links(uow.conn, principal.office_id, body.dossiers, body.client_groups)
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
    require_admin(principal)
    changes = change.model_dump(exclude_unset=True)
    for field in ("name", "email", "role"):
        if field in changes and changes[field] is None:
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field} cannot be emptied")
    async with runtime.unit_of_work() as uow:
        if await office.employee(uow.conn, principal.office_id, subject) is None:
            raise _employee_not_found(subject)
        await check_links(uow.conn, principal.office_id, change.dossiers, change.client_groups)
        if "role" in changes:
            admins = await office.lock_admins(uow.conn, principal.office_id)
            try:
                check_keeps_an_admin(admins, subject, changes["role"])
            except OfficeRuleViolation as violation:
                raise refused(violation) from violation
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
    require_admin(principal)
    async with runtime.unit_of_work() as uow:
        admins = await office.lock_admins(uow.conn, principal.office_id)
        try:
            check_keeps_an_admin(admins, subject, None)
        except OfficeRuleViolation as violation:
            raise refused(violation) from violation
        if not await office.delete_employee(uow.conn, principal.office_id, subject):
            raise _employee_not_found(subject)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
