"""The office's client groups (dossiers given to employees together), for its admins."""

from datetime import datetime
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.auth import CurrentPrincipal
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field
from uuid_utils.compat import uuid7

from sync.adapters import office
from sync.entrypoints.office_api.common import (
    ADMINS_ONLY,
    DOSSIER_ID,
    GROUP_ID,
    OFFICE_ID,
    admin_read_routes,
    check_links,
    require_admin,
)

router = APIRouter(tags=["office"])


def _group_key(group_id: UUID) -> UUID:
    return group_id


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


admin_read_routes(
    router,
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
    require_admin(principal)
    group_id = uuid7()
    async with runtime.unit_of_work() as uow:
        await check_links(uow.conn, principal.office_id, body.dossiers, None)
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
    require_admin(principal)
    async with runtime.unit_of_work() as uow:
        if await office.client_group(uow.conn, principal.office_id, group_id) is None:
            raise _group_not_found(group_id)
        await check_links(uow.conn, principal.office_id, change.dossiers, None)
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
    require_admin(principal)
    async with runtime.unit_of_work() as uow:
        if not await office.delete_client_group(uow.conn, principal.office_id, group_id):
            raise _group_not_found(group_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
