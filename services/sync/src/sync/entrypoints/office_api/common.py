"""What the office API's areas share: the examples' ids, the subject path parameter, the
e-mail pattern, the office admin's check and read routes, and the check that the dossiers and
client groups a request names are the office's."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Path, status
from ledgerline.auth import CurrentPrincipal, Principal, Role
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel

from sync.adapters import office
from sync.domain.office import OfficeRuleViolation

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


def require_admin(principal: Principal) -> Principal:
    if principal.role is not Role.ADMIN:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "only an office admin may manage the office")
    return principal


def refused(violation: OfficeRuleViolation) -> HTTPException:
    return HTTPException(violation.status, violation.reason)


def admin_read_routes(
    router: APIRouter,
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
    """`GET /office/<collection>` and `GET /office/<collection>/{key}` on `router`, of what an
    office admin manages: load (all of the office's, or one), 404 when the one is not the
    office's, answer as `model`. `key` is the dependency that reads the path's key: its one
    parameter gives the key's name and type."""

    @router.get(
        f"/office/{collection}",
        response_model=list[model],  # type: ignore[valid-type]
        summary=list_summary,
        responses={403: ADMINS_ONLY},
        name=list_name,
    )
    async def list_all(principal: CurrentPrincipal, runtime: CurrentRuntime) -> list[Any]:
        require_admin(principal)
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
        require_admin(principal)
        async with runtime.pool.acquire() as connection:
            record = await row(connection, principal.office_id, identifier)
        if record is None:
            raise not_found(identifier)
        return model(**dict(record))


async def check_links(
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
