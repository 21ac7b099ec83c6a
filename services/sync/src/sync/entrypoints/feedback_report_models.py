"""What the feedback reports answer (open items, an item's history, the P&L, the balance sheet and
the key figures): the response models and their JSON and CSV examples."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from ledgerline.listing import (
    PageInfo,
    csv_content,
)
from pydantic import BaseModel, ConfigDict, Field

from sync.domain.feedback import (
    ClassBlock,
)
from sync.entrypoints.feedback_api import (
    FEEDBACK_ERRORS,
    books_as_of_field,
)

OPEN_ITEM_EXAMPLE = {
    "kind": "customer",
    "journal": "CFVER",
    "document_number": "26000101",
    "counterparty_number": "K0006",
    "counterparty_name": "Tearoom Lieve",
    "invoice_number": "2026-0412",
    "invoice_date": "2026-10-12",
    "due_date": "2026-11-11",
    "currency": "EUR",
    "amount": "2167.03",
    "amount_paid": "0.00",
    "open_amount": "2167.03",
    "days_overdue": 19,
    "status": "overdue",
    "overdue": True,
    "due_today": False,
    "structured_communication": "+++569/3168/43105+++",
}


OPEN_ITEMS_EXAMPLE = {
    "kind": "customer",
    "pivot": "2026-11-30",
    "currency": "EUR",
    "totals": {
        "due": "2167.03",
        "not_due": "0.00",
        "open": "2167.03",
        "invoiced": "2167.03",
        "paid": "0.00",
    },
    "items": [OPEN_ITEM_EXAMPLE],
    "page": {"total": 1, "limit": 100, "offset": 0, "next_offset": None},
}


OPEN_ITEMS_CSV_EXAMPLE = (
    "kind,journal,document_number,counterparty_number,counterparty_name,invoice_number,"
    "invoice_date,due_date,currency,amount,amount_paid,open_amount,days_overdue,status\r\n"
    "customer,CFVER,26000101,K0006,Tearoom Lieve,2026-0412,2026-10-12,2026-11-11,EUR,2167.03,"
    "0.00,2167.03,19,overdue\r\n"
)


HISTORY_EXAMPLE = {
    "journal": "CFAAN",
    "document_number": "26000002",
    "open_amount": "101.95",
    "lines": [
        {
            "kind": "invoice",
            "journal": "CFAAN",
            "document_number": "26000002",
            "date": "2026-01-01",
            "period": "2026-01",
            "amount": "203.90",
            "currency": "EUR",
            "description": "Invoice F481846",
            "balance": "203.90",
        },
        {
            "kind": "payment",
            "journal": "KBC",
            "document_number": "26000002",
            "date": "2026-01-31",
            "period": "2026-01",
            "amount": "-101.95",
            "currency": "EUR",
            "description": "F481846",
            "balance": "101.95",
        },
    ],
}


HISTORY_CSV_EXAMPLE = (
    "kind,journal,document_number,date,period,amount,currency,description,balance\r\n"
    "invoice,CFAAN,26000002,2026-01-01,2026-01,203.90,EUR,Invoice F481846,203.90\r\n"
    "payment,KBC,26000002,2026-01-31,2026-01,-101.95,EUR,F481846,101.95\r\n"
)


CLASS_EXAMPLE = {
    "pcmn_class": 6,
    "label": "Costs",
    "total": "5120.40",
    "groups": [
        {
            "group": "60",
            "total": "5120.40",
            "accounts": [{"gl_account": "604000", "name": "Aankopen", "amount": "5120.40"}],
        }
    ],
}


PNL_EXAMPLE = {
    "first_period": "2026-01",
    "last_period": "2026-06",
    "classes": [CLASS_EXAMPLE],
    "revenue": "0.00",
    "costs": "5120.40",
    "result": "-5120.40",
}


STATEMENT_CSV_EXAMPLE = (
    "pcmn_class,group,gl_account,name,amount\r\n6,60,604000,Aankopen,5120.40\r\n"
)


BALANCE_EXAMPLE = {
    "last_period": "2026-06",
    "classes": [
        {
            "pcmn_class": 5,
            "label": "Investments and cash",
            "total": "49050.00",
            "groups": [
                {
                    "group": "55",
                    "total": "49050.00",
                    "accounts": [
                        {"gl_account": "550000", "name": "KBC", "amount": "42850.00"},
                        {"gl_account": "550100", "name": "Belfius", "amount": "6200.00"},
                    ],
                }
            ],
        }
    ],
    "assets": "49050.00",
    "liabilities_and_equity": "47550.00",
    "result": "1500.00",
}


KEY_FIGURES_EXAMPLE = {
    "first_period": "2026-01",
    "last_period": "2026-12",
    "periods": ["2026-01", "2026-02"],
    "closed_periods_only": True,
    "revenue": "48210.50",
    "costs": "31877.10",
    "result": "16333.40",
}


def json_and_csv_examples(json_example: object, csv_example: str) -> dict[int | str, dict]:
    return {
        200: {
            "description": "JSON, or a CSV file with `Accept: text/csv`",
            "content": {"application/json": {"example": json_example}, **csv_content(csv_example)},
        },
        **FEEDBACK_ERRORS,
    }


class OpenItemOut(BaseModel):
    kind: str
    journal: str
    document_number: str
    counterparty_number: str
    counterparty_name: str | None
    invoice_number: str | None
    invoice_date: date
    due_date: date = Field(description="The invoice date when the item has no due date")
    currency: str
    amount: Decimal
    amount_paid: Decimal = Field(description="Paid up to the pivot date")
    open_amount: Decimal
    days_overdue: int
    status: Literal["overdue", "due_today", "not_due"]
    overdue: bool = Field(description="Due before the pivot date (shown in red)")
    due_today: bool = Field(description="Due on the pivot date (shown in red)")
    structured_communication: str | None


class OpenItemTotalsOut(BaseModel):
    due: Decimal = Field(description="Open and already due (due today included)")
    not_due: Decimal = Field(description="Open and not yet due")
    open: Decimal
    invoiced: Decimal
    paid: Decimal


class OpenItemsReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [OPEN_ITEMS_EXAMPLE]})

    kind: str
    pivot: date
    currency: str
    totals: OpenItemTotalsOut = Field(description="Over every matching item, not one page")
    items: list[OpenItemOut]
    page: PageInfo
    books_as_of: datetime | None = books_as_of_field()


class HistoryLineOut(BaseModel):
    kind: str = Field(description="invoice, credit_note, payment or other")
    journal: str
    document_number: str
    date: date
    period: str | None
    amount: Decimal = Field(description="In the item's sign: the invoice positive")
    currency: str
    description: str | None
    balance: Decimal = Field(description="Still open after this line")


class OpenItemHistory(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [HISTORY_EXAMPLE]})

    journal: str
    document_number: str
    open_amount: Decimal
    lines: list[HistoryLineOut]
    books_as_of: datetime | None = books_as_of_field()


class AccountLineOut(BaseModel):
    gl_account: str
    name: str
    amount: Decimal


class GroupOut(BaseModel):
    group: str = Field(description="The account's first two digits")
    total: Decimal
    accounts: list[AccountLineOut]


class ClassOut(BaseModel):
    pcmn_class: int
    label: str
    total: Decimal
    groups: list[GroupOut]


class ProfitAndLossReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PNL_EXAMPLE]})

    first_period: str
    last_period: str
    classes: list[ClassOut] = Field(description="6 costs (debit positive), 7 revenue (credit)")
    revenue: Decimal
    costs: Decimal
    result: Decimal = Field(description="revenue - costs; a profit is positive")
    books_as_of: datetime | None = books_as_of_field()


class BalanceSheetReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BALANCE_EXAMPLE]})

    last_period: str
    classes: list[ClassOut] = Field(description="Classes 1-5, debit positive per account")
    assets: Decimal
    liabilities_and_equity: Decimal
    result: Decimal = Field(description="Result not yet allocated (classes 6 and 7 so far)")
    books_as_of: datetime | None = books_as_of_field()


class KeyFiguresReport(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [KEY_FIGURES_EXAMPLE]})

    first_period: str
    last_period: str
    periods: list[str] = Field(description="The booking periods counted")
    closed_periods_only: bool
    revenue: Decimal
    costs: Decimal
    result: Decimal
    books_as_of: datetime | None = books_as_of_field()


def classes_out(blocks: list[ClassBlock]) -> list[ClassOut]:
    return [
        ClassOut(
            pcmn_class=block.pcmn_class,
            label=block.label,
            total=block.total,
            groups=[
                GroupOut(
                    group=group.group,
                    total=group.total,
                    accounts=[AccountLineOut(**vars(line)) for line in group.accounts],
                )
                for group in block.groups
            ],
        )
        for block in blocks
    ]
