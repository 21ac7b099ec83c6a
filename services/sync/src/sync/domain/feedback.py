"""Feedback reports over the books: aged balance, open items, the history of an open item, top
10 by turnover, provisional P&L and balance sheet by PCMN class, key figures. Pure functions
over what the connector reads from the ledger (open items, turnover, general ledger lines);
nothing here is stored beside the books. Amounts stay Decimal."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from sync.connectors.contract import (
    AccountTotal,
    BookingPeriod,
    CounterpartyTurnover,
    GLAccount,
    LedgerMovement,
    OpenItem,
    OpenItemMovement,
)

Kind = Literal["customer", "supplier"]
# The general ledger the statements sum: its postings (in-process), or their totals per account
# and period (a Kafka connector's): the sums per account and period are the same.
GeneralLedger = Iterable[LedgerMovement | AccountTotal]
BUCKETS = ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90")


def bucket_of(due: date, pivot: date) -> str:
    """Days past the due date at the pivot date: not due yet, 0–30 (due today included), 31–60,
    61–90, over 90."""
    overdue = (pivot - due).days
    if overdue < 0:
        return "not_due"
    if overdue <= 30:
        return "days_0_30"
    if overdue <= 60:
        return "days_31_60"
    if overdue <= 90:
        return "days_61_90"
    return "over_90"


@dataclass
class AgedRow:
    counterparty_number: str
    buckets: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(BUCKETS, Decimal(0)))

    @property
    def total(self) -> Decimal:
        return sum(self.buckets.values(), Decimal(0))


@dataclass
class AgedBalance:
    kind: Kind
    pivot: date
    currency: str
    rows: list[AgedRow]

    @property
    def totals(self) -> dict[str, Decimal]:
        return {
            bucket: sum((row.buckets[bucket] for row in self.rows), Decimal(0))
            for bucket in BUCKETS
        }


def aged_balance(
    items: Iterable[OpenItem], kind: Kind, pivot: date, currency: str = "EUR"
) -> AgedBalance:
    """Open amounts per counterparty and age bucket at the pivot date.

    `items` must carry what was paid up to the pivot (the connector's `open_items(as_of=pivot)`).
    Items invoiced after the pivot and settled items are left out; an item without a due date is
    due on its invoice date. Rows are sorted by total, largest first."""
    rows: dict[str, AgedRow] = {}
    for item in items:
        if item.kind != kind or item.currency != currency or item.invoice_date > pivot:
            continue
        open_amount = item.amount - item.amount_paid
        if open_amount == 0:
            continue
        row = rows.setdefault(item.counterparty_number, AgedRow(item.counterparty_number))
        row.buckets[bucket_of(item.due_date or item.invoice_date, pivot)] += open_amount
    ordered = sorted(rows.values(), key=lambda row: (-row.total, row.counterparty_number))
    return AgedBalance(kind=kind, pivot=pivot, currency=currency, rows=ordered)


@dataclass(frozen=True)
class Turnover:
    counterparty_number: str
    amount_excl_vat: Decimal


def top_counterparties(
    turnover: Iterable[CounterpartyTurnover],
    kind: Kind,
    first_period: str,
    last_period: str,
    limit: int = 10,
    currency: str = "EUR",
) -> list[Turnover]:
    """The `limit` customers or suppliers with the largest turnover excl. VAT (credit notes
    deducted) in the booking periods first_period..last_period (`YYYY-MM`, inclusive); ties
    broken by counterparty number."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in turnover:
        if (
            line.kind == kind
            and line.currency == currency
            and first_period <= line.period <= last_period
        ):
            totals[line.counterparty_number] += line.amount_excl_vat
    ranked = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))
    return [Turnover(number, amount) for number, amount in ranked[:limit]]


def counterparty_balances(
    items: Iterable[OpenItem], kind: Kind, currency: str = "EUR"
) -> dict[str, Decimal]:
    """What each customer owes (or is owed by each supplier): the sum of their open amounts."""
    balances: dict[str, Decimal] = defaultdict(Decimal)
    for item in items:
        if item.kind == kind and item.currency == currency:
            balances[item.counterparty_number] += item.amount - item.amount_paid
    return {number: amount for number, amount in sorted(balances.items()) if amount}


# --------------------------------------------------------------------------- open items

DueStatus = Literal["overdue", "due_today", "not_due"]


@dataclass(frozen=True)
class OpenItemRow:
    """An open item at the pivot date, with how late it is (seed 000 shows overdue and due
    today in red)."""

    item: OpenItem
    due_date: date
    open_amount: Decimal
    days_overdue: int
    status: DueStatus

    @property
    def overdue(self) -> bool:
        return self.status == "overdue"

    @property
    def due_today(self) -> bool:
        return self.status == "due_today"


def due_status(due: date, pivot: date) -> DueStatus:
    if due < pivot:
        return "overdue"
    return "due_today" if due == pivot else "not_due"


@dataclass(frozen=True)
class OpenItemFilter:
    """Filters of the open-items list; None means no filter on that field."""

    status: DueStatus | Literal["due"] | None = None  # "due": overdue or due today (in red)
    counterparty_number: str | None = None
    journal: str | None = None
    invoice_from: date | None = None
    invoice_to: date | None = None
    due_from: date | None = None
    due_to: date | None = None
    min_open: Decimal | None = None
    max_open: Decimal | None = None

    def admits(self, row: OpenItemRow) -> bool:
        item = row.item
        return (
            (
                self.status is None
                or row.status == self.status
                or (self.status == "due" and row.status != "not_due")
            )
            and (self.counterparty_number in (None, item.counterparty_number))
            and (self.journal in (None, item.journal))
            and (self.invoice_from is None or item.invoice_date >= self.invoice_from)
            and (self.invoice_to is None or item.invoice_date <= self.invoice_to)
            and (self.due_from is None or row.due_date >= self.due_from)
            and (self.due_to is None or row.due_date <= self.due_to)
            and (self.min_open is None or row.open_amount >= self.min_open)
            and (self.max_open is None or row.open_amount <= self.max_open)
        )


def open_item_rows(
    items: Iterable[OpenItem],
    kind: Kind,
    pivot: date,
    filters: OpenItemFilter = OpenItemFilter(),
    currency: str = "EUR",
) -> list[OpenItemRow]:
    """The customers' or suppliers' items still open at the pivot (paid up to the pivot
    deducted, items invoiced after it left out), oldest due date first. An item without a due
    date is due on its invoice date, as in the aged balance."""
    rows = []
    for item in items:
        if item.kind != kind or item.currency != currency or item.invoice_date > pivot:
            continue
        open_amount = item.amount - item.amount_paid
        if open_amount == 0:
            continue
        due = item.due_date or item.invoice_date
        row = OpenItemRow(
            item=item,
            due_date=due,
            open_amount=open_amount,
            days_overdue=max((pivot - due).days, 0),
            status=due_status(due, pivot),
        )
        if filters.admits(row):
            rows.append(row)
    return sorted(rows, key=lambda row: (row.due_date, row.item.journal, row.item.document_number))


@dataclass(frozen=True)
class OpenItemTotals:
    """The three key figures above the list (seed 003, "Historiek"): open and already due
    (due today included), open and not yet due, open in all; and the invoiced and paid sums."""

    due: Decimal
    not_due: Decimal
    open: Decimal
    invoiced: Decimal
    paid: Decimal


def open_item_totals(rows: Iterable[OpenItemRow]) -> OpenItemTotals:
    due = not_due = invoiced = paid = Decimal(0)
    for row in rows:
        if row.status == "not_due":
            not_due += row.open_amount
        else:
            due += row.open_amount
        invoiced += row.item.amount
        paid += row.item.amount_paid
    return OpenItemTotals(
        due=due, not_due=not_due, open=due + not_due, invoiced=invoiced, paid=paid
    )


def item_history(movements: Iterable[OpenItemMovement]) -> list[tuple[OpenItemMovement, Decimal]]:
    """Each line of the item's history with the amount still open after it."""
    balance = Decimal(0)
    lines = []
    for movement in movements:
        balance += movement.amount
        lines.append((movement, balance))
    return lines


# --------------------------------------------------------------------------- P&L, balance sheet

PCMN_CLASSES: dict[int, str] = {
    1: "Equity, provisions and debts due after one year",
    2: "Formation expenses, fixed assets and receivables due after one year",
    3: "Stocks and contracts in progress",
    4: "Receivables and debts due within one year",
    5: "Investments and cash",
    6: "Costs",
    7: "Revenue",
}


@dataclass(frozen=True)
class AccountLine:
    gl_account: str
    name: str
    amount: Decimal


@dataclass(frozen=True)
class GroupBlock:
    """A PCMN group (the account's first two digits) and its sub total."""

    group: str
    total: Decimal
    accounts: list[AccountLine]


@dataclass(frozen=True)
class ClassBlock:
    pcmn_class: int
    label: str
    total: Decimal
    groups: list[GroupBlock]


def _blocks(
    sums: dict[str, Decimal], accounts: dict[str, GLAccount], sign_of: dict[int, int]
) -> list[ClassBlock]:
    """Accounts with a non-zero sum, by class and group, each amount multiplied by its class's
    sign (so that costs and revenue, assets and liabilities read as positive amounts)."""
    by_class: dict[int, dict[str, list[AccountLine]]] = defaultdict(lambda: defaultdict(list))
    for code in sorted(sums):
        pcmn_class = int(code[0])
        if pcmn_class not in sign_of or sums[code] == 0:
            continue
        account = accounts.get(code)
        by_class[pcmn_class][code[:2]].append(
            AccountLine(code, account.name if account else code, sign_of[pcmn_class] * sums[code])
        )
    blocks = []
    for pcmn_class in sorted(by_class):
        groups = [
            GroupBlock(group, sum((line.amount for line in lines), Decimal(0)), lines)
            for group, lines in sorted(by_class[pcmn_class].items())
        ]
        blocks.append(
            ClassBlock(
                pcmn_class,
                PCMN_CLASSES[pcmn_class],
                sum((group.total for group in groups), Decimal(0)),
                groups,
            )
        )
    return blocks


def _sums(movements: GeneralLedger, first: str | None, last: str) -> dict[str, Decimal]:
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for movement in movements:
        if (first is None or movement.period >= first) and movement.period <= last:
            sums[movement.gl_account] += movement.amount
    return sums


@dataclass(frozen=True)
class ProfitAndLoss:
    first_period: str
    last_period: str
    classes: list[ClassBlock]
    revenue: Decimal
    costs: Decimal

    @property
    def result(self) -> Decimal:
        return self.revenue - self.costs


def profit_and_loss(
    movements: GeneralLedger,
    accounts: Iterable[GLAccount],
    first_period: str,
    last_period: str,
) -> ProfitAndLoss:
    """Costs (class 6, debit positive) and revenue (class 7, credit positive) booked in the
    periods first..last (`YYYY-MM`, inclusive); result = revenue - costs (a profit is
    positive)."""
    sums = _sums(movements, first_period, last_period)
    classes = _blocks(sums, {a.code: a for a in accounts}, {6: 1, 7: -1})
    total = {block.pcmn_class: block.total for block in classes}
    return ProfitAndLoss(
        first_period, last_period, classes, total.get(7, Decimal(0)), total.get(6, Decimal(0))
    )


@dataclass(frozen=True)
class BalanceSheet:
    """Classes 1-5 at the end of a period, debit positive per account; assets and liabilities
    by the account's type, and the result not yet allocated (classes 6 and 7 so far): assets
    = liabilities and equity + result."""

    last_period: str
    classes: list[ClassBlock]
    assets: Decimal
    liabilities_and_equity: Decimal
    result: Decimal


def balance_sheet(
    movements: GeneralLedger, accounts: Iterable[GLAccount], last_period: str
) -> BalanceSheet:
    sums = _sums(movements, None, last_period)
    chart = {a.code: a for a in accounts}
    # Debit positive: a class 1 or 4 debt shows negative, as in a trial balance.
    classes = _blocks(sums, chart, dict.fromkeys((1, 2, 3, 4, 5), 1))
    assets = liabilities = result = Decimal(0)
    for code, amount in sums.items():
        account_type = chart[code].type if code in chart else None
        if code[0] in "67":
            result -= amount
        elif account_type in ("liability", "equity"):
            liabilities -= amount
        else:
            assets += amount
    return BalanceSheet(last_period, classes, assets, liabilities, result)


# --------------------------------------------------------------------------- key figures


@dataclass(frozen=True)
class KeyFigures:
    """Revenue, costs and result over the periods counted; `periods` says which."""

    first_period: str
    last_period: str
    periods: list[str]
    revenue: Decimal
    costs: Decimal
    closed_periods_only: bool

    @property
    def result(self) -> Decimal:
        return self.revenue - self.costs


def key_figures(
    movements: GeneralLedger,
    periods: Iterable[BookingPeriod],
    first_period: str,
    last_period: str,
    closed_periods_only: bool,
) -> KeyFigures:
    """The dashboard's three figures over first..last. With `closed_periods_only` (the office
    setting "key figures only for closed periods") only the closed periods of the range count:
    the client sees no figure the office has not finished."""
    in_range = sorted(
        period.code for period in periods if first_period <= period.code <= last_period
    )
    closed = {period.code for period in periods if period.status == "closed"}
    counted = [code for code in in_range if code in closed] if closed_periods_only else in_range
    revenue = costs = Decimal(0)
    wanted = set(counted)
    for movement in movements:
        if closed_periods_only and movement.period not in wanted:
            continue
        if not first_period <= movement.period <= last_period:
            continue
        if movement.gl_account.startswith("7"):
            revenue -= movement.amount
        elif movement.gl_account.startswith("6"):
            costs += movement.amount
    return KeyFigures(first_period, last_period, counted, revenue, costs, closed_periods_only)
