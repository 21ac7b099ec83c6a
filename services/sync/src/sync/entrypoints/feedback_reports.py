"""Feedback over the dossier's books, continued: open items at a pivot date, the history of one
open item, the provisional P&L and balance sheet by PCMN class, and the dashboard's key figures.

An in-process dossier's are read from its ledger through its connector when asked (the package
is the master of the books); a dossier connected over Kafka's from the records its connector
published in ledger.synced.v1, which sync keeps (`SyncedBooks`), by the same code; `books_as_of`
says when those were read. Lists page with `limit` / `offset`, sort
with `sort`, and export every matching row as CSV with `Accept: text/csv` (ledgerline.listing).
Who may read them is as for the aged balance (feedback_api).
"""

import asyncio
from datetime import date
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Response, status
from ledgerline.listing import (
    Paging,
    csv_response,
    page,
    paging,
    parse_sort,
    sort_rows,
    wants_csv,
)
from ledgerline.service import CurrentRuntime

from sync.adapters import connectors as connector_reads
from sync.adapters import office
from sync.adapters.connectors import Books
from sync.connectors.contract import AccountTotal, ConnectorError, LedgerMovement, LedgerSnapshot
from sync.domain.feedback import (
    ClassBlock,
    OpenItemFilter,
    balance_sheet,
    item_history,
    key_figures,
    open_item_rows,
    open_item_totals,
    profit_and_loss,
)
from sync.entrypoints.feedback_api import (
    FEEDBACK_ERRORS,
    PERIOD,
    FeedbackScope,
    _connector,
    _connector_failure,
    books_as_of,
)
from sync.entrypoints.feedback_report_models import (
    BALANCE_EXAMPLE,
    HISTORY_CSV_EXAMPLE,
    HISTORY_EXAMPLE,
    KEY_FIGURES_EXAMPLE,
    OPEN_ITEMS_CSV_EXAMPLE,
    OPEN_ITEMS_EXAMPLE,
    PNL_EXAMPLE,
    STATEMENT_CSV_EXAMPLE,
    BalanceSheetReport,
    HistoryLineOut,
    KeyFiguresReport,
    OpenItemHistory,
    OpenItemOut,
    OpenItemsReport,
    OpenItemTotalsOut,
    ProfitAndLossReport,
    classes_out,
    json_and_csv_examples,
)

router = APIRouter(tags=["feedback"])
BASE = "/dossiers/{dossier_id}/feedback"


def _statement_csv(blocks: list[ClassBlock], filename: str) -> Response:
    return csv_response(
        ["pcmn_class", "group", "gl_account", "name", "amount"],
        [
            [block.pcmn_class, group.group, line.gl_account, line.name, line.amount]
            for block in blocks
            for group in block.groups
            for line in group.accounts
        ],
        filename,
    )


def _period_range(first: str | None, last: str | None) -> tuple[str, str]:
    today = date.today()
    first = first or f"{today.year}-01"
    last = last or f"{today.year}-12"
    if first > last:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"from {first} is after to {last}"
        )
    return first, last


# --------------------------------------------------------------------------- open items

OPEN_ITEM_SORTS = {
    "due_date",
    "invoice_date",
    "open_amount",
    "amount",
    "days_overdue",
    "counterparty_number",
    "counterparty_name",
    "document_number",
}
OPEN_ITEM_CSV = [
    "kind",
    "journal",
    "document_number",
    "counterparty_number",
    "counterparty_name",
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "amount",
    "amount_paid",
    "open_amount",
    "days_overdue",
    "status",
]


@router.get(
    f"{BASE}/open-items",
    response_model=OpenItemsReport,
    summary="Open items of the customers or suppliers at a pivot date, due and overdue flagged",
    description="Every invoice and credit note still open at the pivot (payments after it not "
    "counted), with days overdue; `overdue` and `due_today` are the lines shown in red. "
    "Filters, `sort` (`-field` descending), `limit` / `offset`; totals are over every matching "
    "item. `Accept: text/csv` exports every matching item.",
    responses=json_and_csv_examples(OPEN_ITEMS_EXAMPLE, OPEN_ITEMS_CSV_EXAMPLE),
)
async def list_open_items(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    kind: Literal["customer", "supplier"],
    paged: Annotated[Paging, Depends(paging)],
    pivot: Annotated[date | None, Query(description="Default: today")] = None,
    due_status: Annotated[
        Literal["overdue", "due_today", "due", "not_due"] | None,
        Query(alias="status", description="due = overdue or due today (the lines in red)"),
    ] = None,
    counterparty: Annotated[str | None, Query(max_length=64)] = None,
    journal: Annotated[str | None, Query(max_length=32)] = None,
    invoice_from: date | None = None,
    invoice_to: date | None = None,
    due_from: date | None = None,
    due_to: date | None = None,
    min_open: Annotated[Decimal | None, Query(description="Smallest open amount")] = None,
    max_open: Annotated[Decimal | None, Query(description="Largest open amount")] = None,
    currency: Annotated[str, Query(pattern=r"^[A-Z]{3}$")] = "EUR",
    sort: Annotated[
        str | None,
        Query(max_length=40, description=f"One of {', '.join(sorted(OPEN_ITEM_SORTS))}"),
    ] = None,
    accept: Annotated[str | None, Header()] = None,
) -> OpenItemsReport | Response:
    order = parse_sort(sort, OPEN_ITEM_SORTS, "due_date")
    connector, code = await _connector(runtime, scope, ("item_history", "counterparty"))
    at = pivot or date.today()
    try:
        items, snapshot = await asyncio.gather(
            asyncio.to_thread(connector_reads.open_items_at, connector, code, at),
            asyncio.to_thread(connector.snapshot, code),
        )
    except ConnectorError as exc:
        raise _connector_failure(exc) from exc
    names = {party.number: party.name for party in snapshot.counterparties}
    filters = OpenItemFilter(
        status=due_status,
        counterparty_number=counterparty,
        journal=journal,
        invoice_from=invoice_from,
        invoice_to=invoice_to,
        due_from=due_from,
        due_to=due_to,
        min_open=min_open,
        max_open=max_open,
    )
    rows = open_item_rows(items, kind, at, filters, currency)
    totals = open_item_totals(rows)
    out = [
        OpenItemOut(
            kind=row.item.kind,
            journal=row.item.journal,
            document_number=row.item.document_number,
            counterparty_number=row.item.counterparty_number,
            counterparty_name=names.get(row.item.counterparty_number),
            invoice_number=row.item.invoice_number,
            invoice_date=row.item.invoice_date,
            due_date=row.due_date,
            currency=row.item.currency,
            amount=row.item.amount,
            amount_paid=row.item.amount_paid,
            open_amount=row.open_amount,
            days_overdue=row.days_overdue,
            status=row.status,
            overdue=row.overdue,
            due_today=row.due_today,
            structured_communication=row.item.structured_communication,
        )
        for row in rows
    ]
    out = sort_rows(
        out,
        order,
        lambda row, name: getattr(row, name),
        lambda row: (row.due_date, row.journal, row.document_number),
    )
    if wants_csv(accept):
        return csv_response(
            OPEN_ITEM_CSV,
            [[getattr(row, name) for name in OPEN_ITEM_CSV] for row in out],
            f"open-items-{kind}-{at.isoformat()}.csv",
        )
    chunk, info = page(out, paged)
    return OpenItemsReport(
        kind=kind,
        pivot=at,
        currency=currency,
        totals=OpenItemTotalsOut(**vars(totals)),
        items=chunk,
        page=info,
        books_as_of=books_as_of(connector),
    )


HISTORY_CSV = [
    "kind",
    "journal",
    "document_number",
    "date",
    "period",
    "amount",
    "currency",
    "description",
    "balance",
]


@router.get(
    f"{BASE}/open-items/{{journal}}/{{document_number}}/history",
    response_model=OpenItemHistory,
    summary="History of one open item: the invoice, its payments and credit notes against it",
    description="Read from the ledger: the invoice (or credit note) itself, then every booking "
    "on the customers / suppliers account that names it, oldest first, with what stays open "
    "after each line. `Accept: text/csv` answers a CSV file.",
    responses=json_and_csv_examples(HISTORY_EXAMPLE, HISTORY_CSV_EXAMPLE),
)
async def get_open_item_history(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    journal: Annotated[str, Path(max_length=32, pattern=r"^[A-Za-z0-9_.-]+$")],
    document_number: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")],
    accept: Annotated[str | None, Header()] = None,
) -> OpenItemHistory | Response:
    connector, code = await _connector(
        runtime, scope, ("item_history",), f"{journal}/{document_number}"
    )
    try:
        movements = await asyncio.to_thread(
            connector_reads.open_item_history, connector, code, journal, document_number
        )
    except ConnectorError as exc:
        raise _connector_failure(exc) from exc
    if movements is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"the books have no invoice or credit note {journal}/{document_number}",
        )
    lines = [
        HistoryLineOut(**movement.model_dump(), balance=balance)
        for movement, balance in item_history(movements)
    ]
    if wants_csv(accept):
        return csv_response(
            HISTORY_CSV,
            [[getattr(line, name) for name in HISTORY_CSV] for line in lines],
            f"history-{journal}-{document_number}.csv",
        )
    return OpenItemHistory(
        journal=journal,
        document_number=document_number,
        open_amount=lines[-1].balance,
        lines=lines,
        books_as_of=books_as_of(connector),
    )


# --------------------------------------------------------------------------- statements


async def _general_ledger(
    runtime: CurrentRuntime, scope: FeedbackScope
) -> tuple[list[LedgerMovement] | list[AccountTotal], LedgerSnapshot, Books]:
    connector, code = await _connector(runtime, scope, ("account_total", "gl_account", "period"))
    try:
        movements, snapshot = await asyncio.gather(
            asyncio.to_thread(connector_reads.ledger_movements, connector, code),
            asyncio.to_thread(connector.snapshot, code),
        )
    except ConnectorError as exc:
        raise _connector_failure(exc) from exc
    return movements, snapshot, connector


@router.get(
    f"{BASE}/profit-and-loss",
    response_model=ProfitAndLossReport,
    summary="Provisional profit and loss by PCMN class (6 and 7) for a range of periods",
    description="Costs and revenue booked in the periods `from`..`to` (`YYYY-MM`, default the "
    "current year), per class, group (first two digits) and account, with sub totals. "
    "Provisional: it is what the books say now. `Accept: text/csv` answers a CSV file.",
    responses=json_and_csv_examples(PNL_EXAMPLE, STATEMENT_CSV_EXAMPLE),
)
async def get_profit_and_loss(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    first_period: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
    last_period: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
    accept: Annotated[str | None, Header()] = None,
) -> ProfitAndLossReport | Response:
    first, last = _period_range(first_period, last_period)
    movements, snapshot, books = await _general_ledger(runtime, scope)
    report = profit_and_loss(movements, snapshot.gl_accounts, first, last)
    if wants_csv(accept):
        return _statement_csv(report.classes, f"profit-and-loss-{first}-{last}.csv")
    return ProfitAndLossReport(
        first_period=first,
        last_period=last,
        classes=classes_out(report.classes),
        revenue=report.revenue,
        costs=report.costs,
        result=report.result,
        books_as_of=books_as_of(books),
    )


@router.get(
    f"{BASE}/balance-sheet",
    response_model=BalanceSheetReport,
    summary="Provisional balance sheet by PCMN class (1-5) at the end of a period",
    description="Balances of classes 1-5 after the period `at` (`YYYY-MM`, default the current "
    "month), debit positive, per class, group and account with sub totals; assets = "
    "liabilities and equity + the result not yet allocated. `Accept: text/csv` answers CSV.",
    responses=json_and_csv_examples(BALANCE_EXAMPLE, STATEMENT_CSV_EXAMPLE),
)
async def get_balance_sheet(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    at: Annotated[str | None, Query(pattern=PERIOD, description="Last period counted")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> BalanceSheetReport | Response:
    last = at or date.today().strftime("%Y-%m")
    movements, snapshot, books = await _general_ledger(runtime, scope)
    sheet = balance_sheet(movements, snapshot.gl_accounts, last)
    if wants_csv(accept):
        return _statement_csv(sheet.classes, f"balance-sheet-{last}.csv")
    return BalanceSheetReport(
        last_period=last,
        classes=classes_out(sheet.classes),
        assets=sheet.assets,
        liabilities_and_equity=sheet.liabilities_and_equity,
        result=sheet.result,
        books_as_of=books_as_of(books),
    )


async def office_key_figures_closed_only(connection: asyncpg.Connection, office_id: UUID) -> bool:
    """The office setting "key figures only for closed periods": when on, nobody can ask for
    open periods."""
    return bool((await office.settings(connection, office_id))["key_figures_closed_periods_only"])


@router.get(
    f"{BASE}/key-figures",
    response_model=KeyFiguresReport,
    summary="Key figures for the dashboard: revenue, costs and result over a range of periods",
    description="Revenue (class 7), costs (class 6) and result over `from`..`to`. When the "
    "office shows key figures only for closed periods (or `closed_periods_only=true`), open "
    "periods are left out; `periods` lists the periods counted.",
    responses={
        200: {"content": {"application/json": {"example": KEY_FIGURES_EXAMPLE}}},
        **FEEDBACK_ERRORS,
    },
)
async def get_key_figures(
    runtime: CurrentRuntime,
    scope: FeedbackScope,
    first_period: Annotated[str | None, Query(alias="from", pattern=PERIOD)] = None,
    last_period: Annotated[str | None, Query(alias="to", pattern=PERIOD)] = None,
    closed_periods_only: Annotated[
        bool, Query(description="Count closed periods only (the office setting forces it)")
    ] = False,
) -> KeyFiguresReport:
    first, last = _period_range(first_period, last_period)
    async with runtime.pool.acquire() as connection:
        forced = await office_key_figures_closed_only(connection, scope.office_id)
    movements, snapshot, books = await _general_ledger(runtime, scope)
    figures = key_figures(
        movements,
        snapshot.periods,
        first,
        last,
        closed_periods_only or forced,
    )
    return KeyFiguresReport(
        first_period=first,
        last_period=last,
        periods=figures.periods,
        closed_periods_only=figures.closed_periods_only,
        revenue=figures.revenue,
        costs=figures.costs,
        result=figures.result,
        books_as_of=books_as_of(books),
    )
