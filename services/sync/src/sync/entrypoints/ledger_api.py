"""The dossier's ledger: synchronise it by hand (with the manual sync's options), and see the
sync runs and the postings."""

import asyncio
from datetime import UTC, date, datetime
from email.message import EmailMessage
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, HTTPException, Query, Response, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events.catalog import PERIOD_PATTERN
from ledgerline.mail import MailNotSent, send_message
from ledgerline.service import CurrentRuntime, Runtime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import dossiers, ledger, monitor, office
from sync.config import SyncSettings
from sync.connectors.contract import ConnectorError, ConnectorUnavailable, LedgerSnapshot
from sync.domain.deletion import DELETED, NotDeletable
from sync.domain.kafka_connector import posting_route, snapshot_of_records
from sync.domain.notification import books_updated_mail
from sync.domain.office import OfficeRuleViolation, Period, periods_to_close
from sync.entrypoints.api import Dossier, updated_event
from sync.scheduler import nightly_sync_lifespan
from sync.service_layer import (
    NoConnector,
    delete_booking,
    dossier_connector,
    synchronise,
    take_snapshot,
)

# The nightly sync runs beside the routes of the ledger (FastAPI merges a router's lifespan).
router = APIRouter(tags=["ledger"], lifespan=nightly_sync_lifespan)

# Examples for the OpenAPI document (the demo dossier PEETERS). FastAPI leaves nulls out of
# examples, so optional fields show values.
EXAMPLE_DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"
SYNC_RUN_EXAMPLE = {
    "id": "5c0a7e11-0000-4000-8000-000000000001",
    "dossier_id": EXAMPLE_DOSSIER_ID,
    "trigger": "manual",
    "status": "ok",
    "full_resync": True,
    "chunks": 3,
    "counterparties": 24,
    "open_items": 57,
    "reason": "requested from the dossier page",
    "requested_by": "anna.admin@demo-office.example",
    "started_at": "2026-11-30T09:15:00Z",
}
POSTING_EXAMPLE = {
    "proposal_id": "d8e9f057-f201-5040-b16d-3995b5976c30",
    "dossier_id": EXAMPLE_DOSSIER_ID,
    "document_id": "353c0e8c-a95d-5756-91d5-57912e2e04f3",
    "status": "posted",
    "journal": "CFAAN",
    "document_number": "26000001",
    "period": "2026-01",
    "transaction_id": "CFAAN/26000001",
    "reason": "posted by anna.admin@demo-office.example",
    "attempts": 1,
    "updated_at": "2026-01-03T10:20:00Z",
}


class SyncRun(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SYNC_RUN_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    trigger: str = Field(
        description="activation, change (the dossier was changed), manual, nightly or deletion "
        "(a booking was deleted: the delta without its open item)"
    )
    status: str = Field(
        description="ok, or failed with the reason (the office must act); requested: asked of "
        "the dossier's external (Kafka) connector, ok when its run arrives"
    )
    full_resync: bool
    chunks: int = Field(description="ledger.synced.v1 messages published")
    counterparties: int
    open_items: int
    reason: str | None
    requested_by: str | None
    started_at: datetime


class Posting(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [POSTING_EXAMPLE]})

    proposal_id: UUID
    dossier_id: UUID
    document_id: UUID | None
    status: str = Field(
        description="posted, failed, connector_unavailable (being retried), deleted (deleted "
        "from the books), or delete_requested (a Kafka-connected dossier's connector has not "
        "answered the deletion yet)"
    )
    journal: str | None
    document_number: str | None
    period: str | None
    transaction_id: str | None
    reason: str | None
    attempts: int
    updated_at: datetime


class SyncOptions(BaseModel):
    """The manual sync's options (seed 003, "Manuele synchronisatie"); all optional."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "up_to_date_until": "2026-10-31",
                    "reset_proposal_counter": True,
                    "new_active_period": "2026-11",
                    "notify_client": True,
                    "full": False,
                }
            ]
        },
    )

    up_to_date_until: date | None = Field(
        default=None,
        description="Until when the books are up to date (shown in the client portal; the "
        "dossier's books_up_to_date_until)",
    )
    reset_proposal_counter: bool = Field(
        default=False, description="Set the counter of bookings posted (monitor) back to 0"
    )
    new_active_period: str | None = Field(
        default=None,
        pattern=PERIOD_PATTERN,
        description="The new active booking period: the open periods before it are closed in "
        "the ledger",
    )
    notify_client: bool = Field(
        default=False, description="E-mail the dossier's users that their books were updated"
    )
    full: bool = Field(
        default=True,
        description="Everything (consumers replace their copies); false: only what changed "
        "since the previous run",
    )


class ManualSyncRun(SyncRun):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                SYNC_RUN_EXAMPLE
                | {
                    "closed_periods": ["2026-09", "2026-10"],
                    "notified": ["jan@bakkerij-peeters.be"],
                    "notification_error": "the mail server 127.0.0.1:2525 did not take it",
                }
            ]
        }
    )

    closed_periods: list[str] = Field(
        default_factory=list, description="Booking periods this run closed in the ledger"
    )
    notified: list[str] = Field(
        default_factory=list, description="The e-mail addresses told that the books were updated"
    )
    notification_error: str | None = Field(
        default=None, description="Why (some) e-mails were not sent; the sync itself stands"
    )


@router.post(
    "/dossiers/{dossier_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ManualSyncRun,
    summary="Synchronise the dossier's ledger now, with the manual sync's options (office admin "
    "or employee)",
    description="Reads the accounting package through the dossier's connector and publishes "
    "ledger.synced.v1 in chunks (a full resync unless `full` is false); the worklist and "
    "payments update their copies. The options set 'books up to date until', reset the counter "
    "of bookings posted, close the periods before a new active period in the ledger, and "
    "e-mail the dossier's users; the dossier's new settings go out in dossier.updated.v1. 503 "
    "when the package cannot be reached; a run the office must act on is answered with status "
    "failed. A dossier with `connector: kafka` is synchronised by its external connector: the "
    "run is asked of it with ledger.sync-requested.v1 and answered with status requested (ok "
    "in GET /dossiers/{id}/syncs once the connector's run arrived); the periods a new active "
    "period closes are checked against the periods it last published and closed by it before "
    "its run.",
    responses={
        409: error_response(
            "The ledger refused to close the periods, the new active period is closed, or the "
            "dossier's package has no connector that can close periods",
            "booking period 2026-09 is closed and cannot become the active period",
        ),
        503: error_response(
            "The accounting package cannot be reached now, or no mail server is configured for "
            "notify_client; nothing was synchronised",
            "the ledger cannot be read: main.beancount of PEETERS is missing",
        ),
    },
)
async def sync_now(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
    options: SyncOptions | None = None,
) -> ManualSyncRun:
    options = options or SyncOptions()
    settings: SyncSettings = runtime.settings  # type: ignore[assignment]
    if options.notify_client and not settings.smtp_host:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "notify_client: the platform has no mail server configured (SYNC_SMTP_HOST)",
        )
    async with runtime.pool.acquire() as connection:
        dossier = await dossiers.get(connection, scope.office_id, scope.dossier_id)
    if dossier is None or not dossier["active"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    closed: list[str] = []
    kafka = posting_route(dossier["connector"]) == "kafka"
    try:
        if options.new_active_period and not kafka:
            closed = await _close_periods_before(dossier, options.new_active_period, settings)
        async with runtime.unit_of_work() as uow:
            if options.new_active_period and kafka:
                closed = await _periods_its_connector_closes(
                    uow.conn, dossier, options.new_active_period
                )
            run = await synchronise(
                uow,
                dossier,
                settings,
                trigger="manual",
                requested_by=scope.principal.subject,
                full=options.full,
                up_to_date_until=options.up_to_date_until,
                close_periods=tuple(closed) if kafka else (),
            )
            changes: dict[str, Any] = {}
            if options.up_to_date_until is not None:
                changes["books_up_to_date_until"] = options.up_to_date_until
            if options.reset_proposal_counter:
                changes["proposal_counter_reset_at"] = datetime.now(UTC)
                await monitor.reset_bookings_counter(
                    uow.conn,
                    scope.office_id,
                    scope.dossier_id,
                    changes["proposal_counter_reset_at"],
                )
            if options.new_active_period:
                changes["active_period"] = options.new_active_period
            if changes:
                row = await dossiers.update(uow.conn, scope.office_id, scope.dossier_id, changes)
                if row is None:
                    raise HTTPException(
                        status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found"
                    )
                dossier = row
                uow.emit(
                    updated_event(Dossier(**dict(row)), settings.mail_domain, list(changes)),
                    dossier_id=row["id"],
                    office_id=row["office_id"],
                    subject=f"dossiers/{row['id']}",
                )
    except ConnectorUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.reason) from exc
    except OfficeRuleViolation as violation:
        raise HTTPException(violation.status, violation.reason) from violation
    result = ManualSyncRun.model_validate(dict(run) | {"closed_periods": closed})
    if options.notify_client:
        result.notified, result.notification_error = await _notify_client(
            runtime, dossier, settings
        )
    return result


async def _close_periods_before(
    dossier: asyncpg.Record, new_active: str, settings: SyncSettings
) -> list[str]:
    """Close the open periods before `new_active` in the ledger; the codes closed."""
    try:
        connector = dossier_connector(dossier, settings)
        snapshot = await take_snapshot(connector, dossier["dossier_code"])
        to_close = _periods_before(snapshot, new_active)
        if to_close:
            await asyncio.to_thread(
                connector.close_periods, dossier["dossier_code"], tuple(to_close)
            )
    except NoConnector as exc:
        raise OfficeRuleViolation(409, f"new_active_period: {exc}") from exc
    except ConnectorUnavailable:
        raise
    except ConnectorError as exc:
        raise OfficeRuleViolation(409, exc.reason) from exc
    return to_close


async def _periods_its_connector_closes(
    connection: asyncpg.Connection, dossier: asyncpg.Record, new_active: str
) -> list[str]:
    """A Kafka-connected dossier's periods before `new_active`, checked against the periods its
    connector last published: its connector closes them before the run sync asks of it."""
    books = snapshot_of_records(
        dossier["dossier_code"],
        datetime.now(UTC),
        await ledger.connector_records(connection, dossier["id"], ("period",)),
    )
    return _periods_before(books, new_active)


def _periods_before(books: LedgerSnapshot, new_active: str) -> list[str]:
    """The books' open periods before `new_active`, which must be one of their open periods."""
    return periods_to_close(
        (Period(p.code, p.start, p.end, p.status) for p in books.periods), new_active
    )


async def _notify_client(
    runtime: Runtime, dossier: asyncpg.Record, settings: SyncSettings
) -> tuple[list[str], str | None]:
    """E-mail each of the dossier's users (one message each: they need not see each other)."""
    async with runtime.pool.acquire() as connection:
        users = await office.dossier_users(connection, dossier["office_id"], dossier["id"])
    if not users:
        return [], "the dossier has no users to notify"
    mail = books_updated_mail(
        dossier["name"], dossier["books_up_to_date_until"], dossier["language"], settings.portal_url
    )
    sent, errors = [], []
    for address in sorted({user["email"] for user in users}):
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = address
        message["Subject"] = mail.subject
        message.set_content(mail.body)
        try:
            await send_message(
                message,
                host=settings.smtp_host,  # type: ignore[arg-type]
                port=settings.smtp_port,
                starttls=settings.smtp_starttls,
                username=settings.smtp_username,
                password=settings.smtp_password,
            )
        except MailNotSent as exc:
            errors.append(f"{address}: {exc}")
        else:
            sent.append(address)
    return sent, "; ".join(errors) or None


@router.get(
    "/dossiers/{dossier_id}/syncs",
    response_model=list[SyncRun],
    summary="The dossier's latest sync runs, newest first (sync status)",
)
async def list_syncs(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
) -> list[SyncRun]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger.list_syncs(connection, scope.office_id, scope.dossier_id, limit)
    return [SyncRun.model_validate(dict(row)) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/postings",
    response_model=list[Posting],
    summary="Validated proposals and what became of them in the books, newest first",
)
async def list_postings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    status_filter: Annotated[
        str | None,
        Query(
            alias="status",
            pattern="^(posted|failed|connector_unavailable|deleted|delete_requested)$",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Posting]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger.list_postings(
            connection, scope.office_id, scope.dossier_id, status_filter, limit, offset
        )
    return [Posting.model_validate(dict(row)) for row in rows]


def _posting_not_found(proposal_id: UUID) -> HTTPException:
    # Never names the dossier: its 404 is the dossier scope's ("dossier ... not found").
    return HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"proposal {proposal_id} has no booking posted through the platform",
    )


@router.get(
    "/dossiers/{dossier_id}/postings/{proposal_id}",
    response_model=Posting,
    summary="What became of one validated proposal in the books",
    responses={404: error_response("Sync never received the proposal for the dossier")},
)
async def get_posting(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)],
    proposal_id: UUID,
) -> Posting:
    async with runtime.pool.acquire() as connection:
        row = await ledger.get_posting(connection, scope.office_id, scope.dossier_id, proposal_id)
    if row is None:
        raise _posting_not_found(proposal_id)
    return Posting.model_validate(dict(row))


@router.delete(
    "/dossiers/{dossier_id}/postings/{proposal_id}",
    response_model=Posting,
    summary="Delete a proposal's booking from the books (office admin or employee)",
    description="The seed's 'Boeking verwijderen': a booking posted through the platform's "
    "journals is deleted on the platform, never by hand in the package. The proposal goes back "
    "to the worklist (editable, with the reason, without its document number) to be corrected "
    "and sent again; its document goes back to 'in processing'. In-process dossiers: deleted "
    "at once (200, status `deleted`), booking.deleted.v1 and a ledger.synced.v1 delta without "
    "the open item are published. Dossiers with `connector: kafka`: booking.delete-requested.v1 "
    "goes to their connector (202, status `delete_requested`); its answer makes the posting "
    "`deleted`, or `posted` again with the package's reason (follow it with GET). Asking again "
    "changes nothing and answers the posting as it is.",
    responses={
        202: {"model": Posting, "description": "Asked the dossier's Kafka connector"},
        404: error_response(
            "The proposal has no booking posted through the platform in this dossier",
            "proposal d8e9f057-f201-5040-b16d-3995b5976c30 has no booking posted through the "
            "platform",
        ),
        409: error_response(
            "The books refuse the deletion (payments on it, a closed period, not one of the "
            "platform's journals; the package's own message), or the proposal is still on its "
            "way to the books; nothing was written",
            "booking CFAAN/26000001 has payments; delete those first",
        ),
        503: error_response(
            "The accounting package cannot be reached now; nothing was deleted",
            "the ledger cannot be read: main.beancount of PEETERS is missing",
        ),
    },
)
async def delete_posting(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
    proposal_id: UUID,
    response: Response,
    reason: Annotated[
        SingleLine,
        Query(
            min_length=1,
            max_length=500,
            description="Why it is deleted (kept with the posting, sent with the events)",
            examples=["wrong supplier: booked on L0006 instead of L0003"],
        ),
    ],
) -> Posting:
    settings: SyncSettings = runtime.settings  # type: ignore[assignment]
    if not reason.strip():
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "reason: say why the booking is deleted"
        )
    async with runtime.pool.acquire() as connection:
        dossier = await dossiers.get(connection, scope.office_id, scope.dossier_id)
    if dossier is None or not dossier["active"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    try:
        async with runtime.unit_of_work() as uow:
            row = await delete_booking(
                uow, dossier, proposal_id, reason.strip(), scope.principal.subject, settings
            )
    except NotDeletable as exc:
        if exc.status == status.HTTP_404_NOT_FOUND:
            raise _posting_not_found(proposal_id) from exc
        raise HTTPException(exc.status, exc.reason) from exc
    except ConnectorUnavailable as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.reason) from exc
    except ConnectorError as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.reason) from exc
    if row["status"] != DELETED:
        response.status_code = status.HTTP_202_ACCEPTED
    return Posting.model_validate(dict(row))
