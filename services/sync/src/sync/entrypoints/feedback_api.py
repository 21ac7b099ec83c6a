"""Feedback over the dossier's books: aged balance and top 10 customers / suppliers.

Read from the dossier's connector (the package is the master of the books), or for a dossier
connected over Kafka from sync's copy of what its connector published (domain.synced_books). JSON by default,
CSV with `Accept: text/csv`. The office and the client profiles with feedback may read them;
"document delivery" and "document processing" profiles get 403, and so does a configuration B
dossier (processing and archive only).
"""

import asyncio
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

import asyncpg
from fastapi import APIRouter, Header, HTTPException, Query, Response, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.listing import (
    CSV_MEDIA_TYPE,
    PageInfo,
    Paging,
    csv_response,
    page,
    parse_sort,
    sort_rows,
    wants_csv,
)
from ledgerline.service import CurrentRuntime, Runtime
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import dossiers, ledger
from sync.adapters.connectors import Books, open_items_at
from sync.connectors.contract import ConnectorError, ConnectorUnavailable
from sync.domain.feedback import BUCKETS, aged_balance, top_counterparties
from sync.domain.synced_books import SyncedBooks
from sync.service_layer import NoConnector, dossier_connector

router = APIRouter(tags=["feedback"])

FEEDBACK_ROLES = OFFICE_ROLES | {
    Role.CLIENT_ADMINISTRATOR,
    Role.CLIENT_FULL_ACCESS,
    Role.CLIENT_FULL_FEEDBACK,
}
FeedbackScope = Annotated[DossierScope, dossier_scope(*FEEDBACK_ROLES)]
PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"

# Examples for the OpenAPI document, from the demo dossier PEETERS (FastAPI leaves nulls out of
# examples, so optional fields show values).
AGED_BALANCE_EXAMPLE = {
    "kind": "supplier",
    "pivot": "2026-11-30",
    "currency": "EUR",
    "rows": [
        {
            "counterparty_number": "L0006",
            "counterparty_name": "Van Hoorebeke Verpakkingen",
            "not_due": "942.78",
            "days_0_30": "203.90",
            "days_31_60": "0.00",
            "days_61_90": "0.00",
            "over_90": "150.00",
            "total": "1296.68",
        }
    ],
    "totals": {
        "not_due": "942.78",
        "days_0_30": "203.90",
        "days_31_60": "0.00",
        "days_61_90": "0.00",
        "over_90": "150.00",
        "total": "1296.68",
    },
    "page": {"total": 1, "limit": 1000, "offset": 0, "next_offset": None},
}
AGED_BALANCE_CSV_EXAMPLE = (
    "counterparty_number,counterparty_name,not_due,days_0_30,days_31_60,days_61_90,over_90,"
    "total\r\nL0006,Van Hoorebeke Verpakkingen,942.78,203.90,0.00,0.00,150.00,1296.68\r\n"
)
TOP_EXAMPLE = {
    "kind": "customer",
    "first_period": "2026-01",
    "last_period": "2026-12",
    "currency": "EUR",
    "rows": [
        {
            "rank": 1,
            "counterparty_number": "K0006",
            "counterparty_name": "Tearoom Lieve",
            "amount_excl_vat": "24532.44",
        },
        {
            "rank": 2,
            "counterparty_number": "K0007",
            "counterparty_name": "Catering Van Damme",
            "amount_excl_vat": "18210.00",
        },
    ],
}
TOP_CSV_EXAMPLE = (
    "rank,counterparty_number,counterparty_name,amount_excl_vat\r\n"
    "1,K0006,Tearoom Lieve,24532.44\r\n2,K0007,Catering Van Damme,18210.00\r\n"
)
# What a feedback route answers besides its report and the standard statuses.
FEEDBACK_ERRORS = {
    403: error_response(
        "The role has no feedback (document delivery or processing profiles), or the dossier is "
        "configuration B (processing and archive only)",
        "a configuration B dossier has no feedback beyond the archive",
    ),
    409: error_response(
        "The dossier's package has no connector here, its books cannot be read as they are, or "
        "(connected over Kafka) its connector has not published them yet",
        "accounting package exact has no connector on this platform yet (only beancount runs "
        "in-process)",
    ),
    503: error_response(
        "The accounting package cannot be reached now; try again later",
        "the ledger cannot be read: main.beancount of PEETERS is missing",
    ),
}


def books_as_of_field() -> Any:
    """The reports' `books_as_of` (how fresh they are)."""
    return Field(
        default=None,
        description="When the Kafka-connected dossier's connector read the books shown (sync's "
        "copy of its last ledger.synced.v1); null: read from the package now (in-process)",
    )


def _report_responses(json_example: object, csv_example: str) -> dict[int | str, dict]:
    return {
        200: {
            "description": "The report as JSON, or as a CSV file with `Accept: text/csv`",
            "content": {
                "application/json": {"example": json_example},
                CSV_MEDIA_TYPE: {"schema": {"type": "string"}, "example": csv_example},
            },
        },
        **FEEDBACK_ERRORS,
    }


class AgedRow(BaseModel):
    counterparty_number: str
    counterparty_name: str | None
    not_due: Decimal
    days_0_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal
    total: Decimal


class AgedBalanceReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [AGED_BALANCE_EXAMPLE]})

    kind: str
    pivot: date
    currency: str
    rows: list[AgedRow] = Field(description="Largest total first")
    totals: dict[str, Decimal] = Field(description="Per bucket, and `total`")
    page: PageInfo | None = Field(default=None, description="Rows matching, over all pages")
    books_as_of: datetime | None = books_as_of_field()


class TopRow(BaseModel):
    rank: int
    counterparty_number: str
    counterparty_name: str | None
    amount_excl_vat: Decimal = Field(description="Turnover excluding VAT, credit notes deducted")


class TopReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [TOP_EXAMPLE]})

    kind: str
    first_period: str
    last_period: str
    currency: str
    rows: list[TopRow]
    books_as_of: datetime | None = books_as_of_field()


async def _connector(
    runtime: Runtime,
    scope: DossierScope,
    records: tuple[str, ...] = (),
    key: str | None = None,
) -> tuple[Books, str]:
    """What the dossier's feedback is read from: its in-process connector, or for a dossier
    connected over Kafka the copy sync keeps of what its connector published (`records`: the
    kinds of it the report needs; `key`: only that record of them)."""
    synced_at: datetime | None = None
    kept: list[tuple[str, dict[str, Any]]] = []
    async with runtime.pool.acquire() as connection:
        dossier: asyncpg.Record | None = await dossiers.get(
            connection, scope.office_id, scope.dossier_id
        )
        if dossier is not None and dossier["active"] and dossier["connector"] == "kafka":
            synced_at = await ledger.connector_books_synced_at(connection, dossier["id"])
            kept = await ledger.connector_records(connection, dossier["id"], records, key)
    if dossier is None or not dossier["active"]:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {scope.dossier_id} not found")
    if dossier["configuration"] == "B":
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "a configuration B dossier has no feedback beyond the archive",
        )
    code = dossier["dossier_code"]
    if dossier["connector"] == "kafka":
        if synced_at is None and not kept:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the books of dossier {code} have not reached the platform yet: its connector "
                "publishes them (ledger.synced.v1) when the dossier is activated",
            )
        return SyncedBooks(code, synced_at, kept), code
    try:
        return dossier_connector(dossier, runtime.settings), code  # type: ignore[arg-type]
    except NoConnector as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from exc


def books_as_of(books: Books) -> datetime | None:
    """When the books a report shows were read: None when read from the package now (an
    in-process connector), else when the dossier's Kafka connector last published them."""
    return books.synced_at if isinstance(books, SyncedBooks) else None


def _connector_failure(exc: ConnectorError) -> HTTPException:
    if isinstance(exc, ConnectorUnavailable):
        return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, exc.reason)
    return HTTPException(status.HTTP_409_CONFLICT, exc.reason)


_wants_csv = wants_csv
_csv = csv_response


@router.get(
    "/dossiers/{dossier_id}/feedback/aged-balance",
    response_model=AgedBalanceReport,
    summary="Aged balance of the customers or suppliers at a pivot date (JSON or CSV)",
    description="Open amounts per counterparty, by days past the due date at the pivot: not "
    "due, 0–30 (due today included), 31–60, 61–90, over 90. Payments after the pivot are not "
    "counted. `Accept: text/csv` answers a CSV file.",
    responses=_report_responses(AGED_BALANCE_EXAMPLE, AGED_BALANCE_CSV_EXAMPLE),
)
async def get_aged_balance(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    kind: Literal["customer", "supplier"],
    pivot: Annotated[date | None, Query(description="Default: today")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",
    counterparty: Annotated[
        str | None, Query(max_length=64, description="Only this counterparty number")
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            max_length=40,
            description="total (default -total), counterparty_number, counterparty_name or a "
            "bucket; - for descending",
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=10000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
    accept: Annotated[str | None, Header()] = None,
) -> AgedBalanceReport | Response:
    order = parse_sort(
        sort, {"total", "counterparty_number", "counterparty_name", *BUCKETS}, "-total"
    )
    connector, code = await _connector(runtime, scope, ("item_history", "counterparty"))
    at = pivot or date.today()
    try:
        items, snapshot = await asyncio.gather(
            asyncio.to_thread(open_items_at, connector, code, at),
            asyncio.to_thread(connector.snapshot, code),
        )
    except ConnectorError as exc:
        raise _connector_failure(exc) from exc
    names = {party.number: party.name for party in snapshot.counterparties}
    report = aged_balance(items, kind, at, currency)
    matching = [
        AgedRow(
            counterparty_number=row.counterparty_number,
            counterparty_name=names.get(row.counterparty_number),
            total=row.total,
            **row.buckets,
        )
        for row in report.rows
        if counterparty in (None, row.counterparty_number)
    ]
    matching = sort_rows(
        matching,
        order,
        lambda row, name: getattr(row, name),
        lambda row: row.counterparty_number,
    )
    totals = {
        bucket: sum((getattr(row, bucket) for row in matching), Decimal(0)) for bucket in BUCKETS
    }
    totals["total"] = sum(totals.values(), Decimal(0))
    if _wants_csv(accept):
        # An export holds every matching row, whatever the page.
        return _csv(
            ["counterparty_number", "counterparty_name", *BUCKETS, "total"],
            [
                [row.counterparty_number, row.counterparty_name or ""]
                + [getattr(row, bucket) for bucket in BUCKETS]
                + [row.total]
                for row in matching
            ],
            f"aged-balance-{kind}-{at.isoformat()}.csv",
        )
    rows, info = page(matching, Paging(limit=limit, offset=offset))
    return AgedBalanceReport(
        kind=kind,
        pivot=at,
        currency=currency,
        rows=rows,
        totals=totals,
        page=info,
        books_as_of=books_as_of(connector),
    )


@router.get(
    "/dossiers/{dossier_id}/feedback/top",
    response_model=TopReport,
    summary="Top customers or suppliers by turnover excl. VAT in a range of periods (JSON or CSV)",
    responses=_report_responses(TOP_EXAMPLE, TOP_CSV_EXAMPLE),
)
async def get_top(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    kind: Literal["customer", "supplier"],
    first_period: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
    last_period: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",
    accept: Annotated[str | None, Header()] = None,
) -> TopReport | Response:
    today = date.today()
    first = first_period or f"{today.year}-01"
    last = last_period or f"{today.year}-12"
    if first > last:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"from {first} is after to {last}"
        )
    connector, code = await _connector(runtime, scope, ("turnover", "counterparty"))
    try:
        snapshot = await asyncio.to_thread(connector.snapshot, code)
    except ConnectorError as exc:
        raise _connector_failure(exc) from exc
    names = {party.number: party.name for party in snapshot.counterparties}
    rows = [
        TopRow(
            rank=rank,
            counterparty_number=line.counterparty_number,
            counterparty_name=names.get(line.counterparty_number),
            amount_excl_vat=line.amount_excl_vat,
        )
        for rank, line in enumerate(
            top_counterparties(snapshot.turnover, kind, first, last, limit, currency), start=1
        )
    ]
    if _wants_csv(accept):
        return _csv(
            ["rank", "counterparty_number", "counterparty_name", "amount_excl_vat"],
            [
                [
                    row.rank,
                    row.counterparty_number,
                    row.counterparty_name or "",
                    row.amount_excl_vat,
                ]
                for row in rows
            ],
            f"top-{kind}-{first}-{last}.csv",
        )
    return TopReport(
        kind=kind,
        first_period=first,
        last_period=last,
        currency=currency,
        rows=rows,
        books_as_of=books_as_of(connector),
    )
