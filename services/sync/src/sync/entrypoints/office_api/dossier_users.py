"""The users of each dossier with their client profiles, managed by the office (admin,
employee) and the client's administrator; every change announces the dossier's users."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import office
from sync.domain.office import ClientProfile
from sync.dossier_users_events import announce_dossier_users
from sync.entrypoints.office_api.common import DOSSIER_ID, EMAIL_PATTERN, OFFICE_ID, Subject

router = APIRouter(tags=["office"])

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
