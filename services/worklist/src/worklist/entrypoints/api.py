"""The worklist: booking proposals waiting for validation, listed, counted and read."""

from collections.abc import Sequence
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from ledgerline.auth import (
    OFFICE_ROLES,
    DossierScope,
    OfficeScope,
    Role,
    dossier_scope,
    office_scope,
)
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from worklist.adapters import ledger_copy, repository, worklist_queries
from worklist.adapters.worklist_queries import FILTERS, SORT_COLUMNS, ListQuery, Tab
from worklist.entrypoints.proposal_models import Counts, Proposal, Status, proposal_out

router = APIRouter(tags=["worklist"])

VALIDATORS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}
Scope = Annotated[DossierScope, dossier_scope(*VALIDATORS)]
NOT_FOUND = error_response(
    "No such proposal in the dossier",
    "proposal b00c0000-0000-4000-8000-0000000000a1 not found",
)
Filter = Literal[tuple(FILTERS)]  # type: ignore[valid-type]
Sort = Literal[tuple(SORT_COLUMNS) + tuple(f"-{c}" for c in SORT_COLUMNS)]  # type: ignore[valid-type]


async def list_query(
    tab: Annotated[Tab | None, Query(description="purchase, sales or misc")] = None,
    filter_: Annotated[
        list[Filter] | None,  # type: ignore[valid-type]
        Query(alias="filter", description="The seed's filters; several narrow down"),
    ] = None,
    status_filter: Annotated[Status | None, Query(alias="status")] = None,  # type: ignore[valid-type]
    period: Annotated[str | None, Query(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")] = None,
    journal: Annotated[str | None, Query(max_length=20, pattern=r"^[A-Za-z0-9_-]+$")] = None,
    sort: Annotated[
        Sort | None,  # type: ignore[valid-type]
        Query(description="A column, `-` in front for descending; default: oldest first"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> ListQuery:
    return ListQuery(
        tab=tab,
        filters=tuple(filter_ or ()),
        status=status_filter,
        period=period,
        journal=journal,
        sort=sort,
        limit=limit,
        offset=offset,
    )


Listing = Annotated[ListQuery, Depends(list_query)]


@router.get(
    "/dossiers/{dossier_id}/proposals",
    response_model=list[Proposal],
    summary="The worklist of a dossier: proposals, filtered, sorted and paged",
    description="Oldest first unless sorted. The total before paging is in `X-Total-Count`.",
)
async def list_proposals(
    runtime: CurrentRuntime, scope: Scope, response: Response, query: Listing
) -> list[Proposal]:
    async with runtime.pool.acquire() as connection:
        rows, total = await worklist_queries.list_page(
            connection, scope.office_id, [scope.dossier_id], query
        )
        suspense = await ledger_copy.suspense_accounts(
            connection, scope.office_id, scope.dossier_id
        )
    response.headers["X-Total-Count"] = str(total)
    return [proposal_out(row, suspense) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/proposals/counts",
    response_model=Counts,
    summary="How many proposals wait, per tab and per filter (within `tab` when given)",
)
async def count_proposals(
    runtime: CurrentRuntime,
    scope: Scope,
    tab: Annotated[Tab | None, Query(description="purchase, sales or misc")] = None,
) -> Counts:
    async with runtime.pool.acquire() as connection:
        counted = await worklist_queries.counts(
            connection, scope.office_id, [scope.dossier_id], tab
        )
    return Counts.model_validate(counted)


async def read_proposal(
    runtime: CurrentRuntime, scope: DossierScope, proposal_id: UUID
) -> Proposal:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_proposal(
            connection, scope.office_id, scope.dossier_id, proposal_id
        )
        suspense = await ledger_copy.suspense_accounts(
            connection, scope.office_id, scope.dossier_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"proposal {proposal_id} not found")
    return proposal_out(row, suspense)


@router.get(
    "/dossiers/{dossier_id}/proposals/{proposal_id}",
    response_model=Proposal,
    summary="One booking proposal (the annotation screen's data)",
    responses={404: NOT_FOUND},
)
async def get_proposal(proposal_id: UUID, runtime: CurrentRuntime, scope: Scope) -> Proposal:
    return await read_proposal(runtime, scope, proposal_id)


async def _neighbour_id(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: Sequence[UUID],
    proposal_id: UUID,
    query: ListQuery,
    step: int,
) -> UUID:
    """The id `step` places from the proposal in the list over `dossier_ids`, in its order; 404
    when the proposal is not in the list or has no such neighbour."""
    ids = await worklist_queries.ordered_ids(connection, office_id, dossier_ids, query)
    if proposal_id not in ids:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND, f"proposal {proposal_id} not found in this list"
        )
    position = ids.index(proposal_id) + step
    if not 0 <= position < len(ids):
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"proposal {proposal_id} is the {'last' if step > 0 else 'first'} of this list",
        )
    return ids[position]


async def _neighbour(
    runtime: CurrentRuntime, scope: DossierScope, proposal_id: UUID, query: ListQuery, step: int
) -> Proposal:
    async with runtime.pool.acquire() as connection:
        found = await _neighbour_id(
            connection, scope.office_id, [scope.dossier_id], proposal_id, query, step
        )
    return await read_proposal(runtime, scope, found)


NO_NEIGHBOUR = error_response(
    "No such proposal in the list, or it is the last (first) one",
    "proposal b00c0000-0000-4000-8000-0000000000a1 is the last of this list",
)


@router.get(
    "/dossiers/{dossier_id}/proposals/{proposal_id}/next",
    response_model=Proposal,
    summary="The next proposal of the same list (same tab, filters and sort)",
    responses={404: NO_NEIGHBOUR},
)
async def next_proposal(
    proposal_id: UUID, runtime: CurrentRuntime, scope: Scope, query: Listing
) -> Proposal:
    return await _neighbour(runtime, scope, proposal_id, query, 1)


@router.get(
    "/dossiers/{dossier_id}/proposals/{proposal_id}/previous",
    response_model=Proposal,
    summary="The previous proposal of the same list (same tab, filters and sort)",
    responses={404: NO_NEIGHBOUR},
)
async def previous_proposal(
    proposal_id: UUID, runtime: CurrentRuntime, scope: Scope, query: Listing
) -> Proposal:
    return await _neighbour(runtime, scope, proposal_id, query, -1)


# --- across the office -------------------------------------------------------------------------

# The office's own people work the office-wide worklist; a client user works a dossier's.
OfficeWide = Annotated[OfficeScope, office_scope(*OFFICE_ROLES)]
DossierFilter = Annotated[
    list[UUID] | None,
    Query(
        alias="dossier",
        description="Only these dossiers (repeat the parameter for several); each must be one "
        "the caller may see",
    ),
]


def _dossiers_of(scope: OfficeScope, wanted: list[UUID] | None) -> tuple[UUID, ...]:
    """The dossiers the list reads: those the caller may see, narrowed by the dossier filter;
    a dossier in the filter the caller may not see is a 404 naming it (as on its own routes)."""
    if not wanted:
        return scope.dossier_ids
    for dossier in wanted:
        if dossier not in scope.dossier_ids:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {dossier} not found")
    return tuple(dict.fromkeys(wanted))


OFFICE_DOSSIER_NOT_FOUND = error_response(
    "A dossier in the filter is not one the caller may see in their office",
    "dossier d0551e20-0000-4000-8000-000000000002 not found",
)
OFFICE_FORBIDDEN = error_response(
    "Only the office (admin, employee, support) has an office-wide worklist",
    "the role client_administrator may not do this; allowed: admin, employee, support",
)


@router.get(
    "/office/proposals",
    response_model=list[Proposal],
    summary="The office-wide worklist: proposals of every dossier the caller may see",
    description="The office admin sees every active dossier of the office, an employee or "
    "support user the dossiers assigned to them. Tabs, filters, sort and paging as in a "
    "dossier's worklist, plus the `dossier` filter and the `dossier` sort column "
    "(`dossier_name`). Oldest first unless sorted; the total before paging is in "
    "`X-Total-Count`.",
    responses={403: OFFICE_FORBIDDEN, 404: OFFICE_DOSSIER_NOT_FOUND},
)
async def list_office_proposals(
    runtime: CurrentRuntime,
    scope: OfficeWide,
    response: Response,
    query: Listing,
    dossier: DossierFilter = None,
) -> list[Proposal]:
    dossiers = _dossiers_of(scope, dossier)
    async with runtime.pool.acquire() as connection:
        rows, total = await worklist_queries.list_page(connection, scope.office_id, dossiers, query)
        suspense = await ledger_copy.suspense_accounts_by_dossier(
            connection, scope.office_id, sorted({row["dossier_id"] for row in rows})
        )
    response.headers["X-Total-Count"] = str(total)
    return [proposal_out(row, suspense[row["dossier_id"]]) for row in rows]


@router.get(
    "/office/proposals/counts",
    response_model=Counts,
    summary="How many proposals wait across the office, per tab and per filter",
    responses={403: OFFICE_FORBIDDEN, 404: OFFICE_DOSSIER_NOT_FOUND},
)
async def count_office_proposals(
    runtime: CurrentRuntime,
    scope: OfficeWide,
    tab: Annotated[Tab | None, Query(description="purchase, sales or misc")] = None,
    dossier: DossierFilter = None,
) -> Counts:
    dossiers = _dossiers_of(scope, dossier)
    async with runtime.pool.acquire() as connection:
        counted = await worklist_queries.counts(connection, scope.office_id, dossiers, tab)
    return Counts.model_validate(counted)


async def _office_neighbour(
    runtime: CurrentRuntime,
    scope: OfficeScope,
    proposal_id: UUID,
    query: ListQuery,
    dossier: list[UUID] | None,
    step: int,
) -> Proposal:
    dossiers = _dossiers_of(scope, dossier)
    async with runtime.pool.acquire() as connection:
        found = await _neighbour_id(connection, scope.office_id, dossiers, proposal_id, query, step)
        row = await worklist_queries.listed_row(connection, scope.office_id, dossiers, found)
        if row is None:  # deleted or moved out of sight since the list was read
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"proposal {found} not found")
        suspense = await ledger_copy.suspense_accounts(
            connection, scope.office_id, row["dossier_id"]
        )
    return proposal_out(row, suspense)


OFFICE_NO_NEIGHBOUR = error_response(
    "No such proposal in the office-wide list (as the caller sees it, with these filters), "
    "or it is the last (first) one, or a dossier in the filter the caller may not see",
    "proposal b00c0000-0000-4000-8000-0000000000a1 is the last of this list",
)


@router.get(
    "/office/proposals/{proposal_id}/next",
    response_model=Proposal,
    summary="The next proposal of the office-wide list (same tab, filters, dossiers and sort)",
    description="Across the dossiers the caller may see, as `GET /office/proposals` lists "
    "them; the answer may be of another dossier (`dossier_id`, `dossier_name`).",
    responses={403: OFFICE_FORBIDDEN, 404: OFFICE_NO_NEIGHBOUR},
)
async def next_office_proposal(
    proposal_id: UUID,
    runtime: CurrentRuntime,
    scope: OfficeWide,
    query: Listing,
    dossier: DossierFilter = None,
) -> Proposal:
    return await _office_neighbour(runtime, scope, proposal_id, query, dossier, 1)


@router.get(
    "/office/proposals/{proposal_id}/previous",
    response_model=Proposal,
    summary="The previous proposal of the office-wide list (same tab, filters, dossiers and sort)",
    description="As `next`, the other way.",
    responses={403: OFFICE_FORBIDDEN, 404: OFFICE_NO_NEIGHBOUR},
)
async def previous_office_proposal(
    proposal_id: UUID,
    runtime: CurrentRuntime,
    scope: OfficeWide,
    query: Listing,
    dossier: DossierFilter = None,
) -> Proposal:
    return await _office_neighbour(runtime, scope, proposal_id, query, dossier, -1)
