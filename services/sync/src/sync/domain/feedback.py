"""Feedback reports over the books: aged balance and top 10 by turnover. Pure functions over
the connector contract's open items and turnover lines; amounts stay Decimal."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from sync.connectors.contract import CounterpartyTurnover, OpenItem

Kind = Literal["customer", "supplier"]
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
