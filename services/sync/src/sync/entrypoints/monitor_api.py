"""The active clients monitor (seed 003): one line per dossier of the office the caller may
see, with where its documents are, its bookings since the counter's reset, its oldest open
period and its sync status. Filters, sort, `limit` / `offset`, CSV with `Accept: text/csv`.

Who sees which dossiers is the token's: an office admin every active dossier of the office,
an employee or support the dossiers their `dossiers` claim assigns them. Clients have no
monitor (403).
"""

from datetime import UTC, date, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from ledgerline.auth import OFFICE_ROLES, CurrentPrincipal, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.listing import (
    PageInfo,
    Paging,
    csv_content,
    csv_response,
    page,
    paging,
    parse_sort,
    sort_rows,
    wants_csv,
)
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import monitor
from sync.domain.monitor import SyncStatus, sync_status

router = APIRouter(tags=["monitor"])

ROW_EXAMPLE = {
    "dossier_id": "d0551e00-0000-4000-8000-000000000001",
    "name": "Bakkerij Peeters BV",
    "dossier_code": "PEETERS",
    "accounting_package": "beancount",
    "configuration": "C",
    "documents_in_portal": 3,
    "to_validate": 12,
    "checked": 0,
    "on_hold": 0,
    "help_asked": 0,
    "awaiting_posting": 1,
    "bookings_posted": 42,
    "failed_bookings": 1,
    "oldest_document_at": "2026-11-02T08:10:00Z",
    "last_document_at": "2026-11-30T16:45:00Z",
    "oldest_open_period": "2026-05",
    "up_to_date_until": "2026-11-28",
    "sync_status": "failed_office_action",
    "bookings_counter_reset_at": "2026-10-01T07:00:00Z",
}
MONITOR_EXAMPLE = {
    "items": [ROW_EXAMPLE],
    "page": {"total": 1, "limit": 100, "offset": 0},
}
COLUMNS = list(ROW_EXAMPLE)
MONITOR_CSV_EXAMPLE = (
    ",".join(COLUMNS) + "\r\n" + ",".join(str(value) for value in ROW_EXAMPLE.values()) + "\r\n"
)


class MonitorLine(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [ROW_EXAMPLE]})

    dossier_id: UUID
    name: str
    dossier_code: str
    accounting_package: str
    configuration: str
    documents_in_portal: int = Field(description="Received in the portal, not yet submitted")
    to_validate: int = Field(description="Submitted proposals waiting for validation")
    checked: int = Field(description="Proposals the worklist marked checked")
    on_hold: int = Field(description="Proposals the worklist put on hold")
    help_asked: int = Field(description="Proposals someone asked help with")
    awaiting_posting: int = Field(description="Validated, not yet posted by the package")
    bookings_posted: int = Field(description="Posted since the counter's last reset")
    failed_bookings: int = Field(description="Refused by the package, back in the worklist")
    oldest_document_at: datetime | None = Field(
        description="When the oldest document not yet posted arrived"
    )
    last_document_at: datetime | None = Field(description="When the last document arrived")
    oldest_open_period: str | None = Field(description="From the last sync of the books")
    up_to_date_until: date | None = Field(description="The books are up to date until")
    sync_status: SyncStatus = Field(
        description="ok; failed_office_action (a booking refused, a sync failed on the "
        "dossier's settings); failed_support (the package cannot be reached)"
    )
    bookings_counter_reset_at: datetime | None


class MonitorPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [MONITOR_EXAMPLE]})

    items: list[MonitorLine]
    page: PageInfo


SORTS = set(COLUMNS) - {"dossier_id"}
NOT_OFFICE = error_response(
    "Only the office (admin, employee, support) has the monitor",
    "the role client_administrator may not do this; allowed: admin, employee, support",
)


def _line(row: dict) -> MonitorLine:
    return MonitorLine(
        **{name: row[name] for name in COLUMNS if name != "sync_status"},
        sync_status=sync_status(
            failed_bookings=row["failed_bookings"],
            failed_bookings_retryable=row["failed_bookings_retryable"],
            postings_waiting_for_package=row["postings_waiting_for_package"],
            last_sync_failed=row["last_sync_failed"],
            failed_journalisings=row["failed_journalisings"],
            journalisings_waiting_for_package=row["journalisings_waiting_for_package"],
        ),
    )


@router.get(
    "/monitor/dossiers",
    response_model=MonitorPage,
    summary="Active clients monitor: one line per dossier the caller may see (JSON or CSV)",
    description="Counts kept from the platform's events (documents received and submitted, "
    "the worklist's proposal status changes: checked, on hold, help asked, deleted; proposals "
    "validated, bookings posted or refused) and the sync status. Filters, `sort` "
    "(`-column` descending, default name), `limit` / `offset`; `Accept: text/csv` exports "
    "every matching line.",
    responses={
        200: {
            "description": "The monitor as JSON, or CSV with `Accept: text/csv`",
            "content": {
                "application/json": {"example": MONITOR_EXAMPLE},
                **csv_content(MONITOR_CSV_EXAMPLE),
            },
        },
        403: NOT_OFFICE,
    },
)
async def get_monitor(
    runtime: CurrentRuntime,
    principal: CurrentPrincipal,
    paged: Annotated[Paging, Depends(paging)],
    name: Annotated[
        str | None, Query(max_length=200, description="Part of the dossier's name or code")
    ] = None,
    configuration: Annotated[Literal["B", "C", "D"] | None, Query()] = None,
    accounting_package: Annotated[str | None, Query(max_length=64)] = None,
    sync: Annotated[SyncStatus | None, Query(description="Only this sync status")] = None,
    needs_attention: Annotated[
        bool,
        Query(
            description="Only dossiers with proposals to validate, failed bookings or help asked"
        ),
    ] = False,
    mine: Annotated[
        bool, Query(description="Only the dossiers the token assigns to the caller")
    ] = False,
    sort: Annotated[
        str | None, Query(max_length=40, description="A column; - for descending")
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> MonitorPage | Response:
    if principal.role not in OFFICE_ROLES:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role.value} may not do this; allowed: admin, employee, support",
        )
    order = parse_sort(sort, SORTS, "name")
    assigned = None if principal.sees_whole_office and not mine else list(principal.dossiers)
    async with runtime.pool.acquire() as connection:
        records = await monitor.rows(connection, principal.office_id, assigned)
    lines = [_line(dict(record)) for record in records]
    needle = (name or "").casefold()
    lines = [
        line
        for line in lines
        if (not needle or needle in line.name.casefold() or needle in line.dossier_code.casefold())
        and configuration in (None, line.configuration)
        and accounting_package in (None, line.accounting_package)
        and sync in (None, line.sync_status)
        and (not needs_attention or line.to_validate + line.failed_bookings + line.help_asked > 0)
    ]
    lines = sort_rows(
        lines,
        order,
        lambda line, column: getattr(line, column),
        lambda line: (line.name, str(line.dossier_id)),
    )
    if wants_csv(accept):
        return csv_response(
            COLUMNS,
            [[getattr(line, column) for column in COLUMNS] for line in lines],
            "active-clients.csv",
        )
    chunk, info = page(lines, paged)
    return MonitorPage(items=chunk, page=info)


@router.post(
    "/monitor/dossiers/{dossier_id}/reset-bookings-counter",
    response_model=MonitorLine,
    summary="Set the dossier's bookings-posted counter to 0 (admin or employee)",
    description='The seed\'s "reset the proposal counter" of a manual sync: bookings posted '
    "from now on are counted again. Answers the dossier's monitor line.",
)
async def reset_bookings_counter(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
) -> MonitorLine:
    async with runtime.unit_of_work() as uow:
        records = await monitor.rows(uow.conn, scope.office_id, [scope.dossier_id])
        if not records:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
        await monitor.reset_bookings_counter(
            uow.conn, scope.office_id, scope.dossier_id, datetime.now(UTC)
        )
        records = await monitor.rows(uow.conn, scope.office_id, [scope.dossier_id])
    return _line(dict(records[0]))
