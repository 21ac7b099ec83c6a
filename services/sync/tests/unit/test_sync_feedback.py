"""Feedback reports: aged balance and top 10, on small cases and on the demo ledger against
figures computed independently with Beancount's query language (beanquery)."""

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from beancount import loader
from beanquery.query import run_query
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import CounterpartyTurnover, OpenItem
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.feedback import (
    BUCKETS,
    aged_balance,
    bucket_of,
    counterparty_balances,
    top_counterparties,
)

D = Decimal
PIVOT = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("due", "bucket"),
    [
        (PIVOT + timedelta(days=1), "not_due"),
        (PIVOT, "days_0_30"),
        (PIVOT - timedelta(days=30), "days_0_30"),
        (PIVOT - timedelta(days=31), "days_31_60"),
        (PIVOT - timedelta(days=60), "days_31_60"),
        (PIVOT - timedelta(days=61), "days_61_90"),
        (PIVOT - timedelta(days=90), "days_61_90"),
        (PIVOT - timedelta(days=91), "over_90"),
    ],
)
def test_age_buckets_at_their_boundaries(due: date, bucket: str) -> None:
    assert bucket_of(due, PIVOT) == bucket


def item(
    number: str, due: date, amount: str, paid: str = "0", kind: str = "customer", **more: object
) -> OpenItem:
    values: dict[str, object] = {
        "kind": kind,
        "journal": "CFVER",
        "document_number": number,
        "counterparty_number": more.pop("counterparty", "K0001"),
        "invoice_date": more.pop("invoice_date", due - timedelta(days=30)),
        "due_date": due,
        "amount": amount,
        "amount_paid": paid,
    }
    return OpenItem(**(values | more))


def test_aged_balance_sums_open_amounts_per_counterparty_and_bucket() -> None:
    items = [
        item("1", PIVOT + timedelta(days=10), "100.00"),
        item("2", PIVOT - timedelta(days=45), "200.00", "50.00"),
        item("3", PIVOT - timedelta(days=100), "300.00", counterparty="K0002"),
        item("4", PIVOT - timedelta(days=5), "-40.00", counterparty="K0002"),  # a credit note
        item("5", PIVOT - timedelta(days=5), "70.00", "70.00"),  # settled
        item("6", PIVOT + timedelta(days=40), "999.00", invoice_date=PIVOT + timedelta(days=1)),
        item("7", PIVOT - timedelta(days=5), "80.00", kind="supplier", counterparty="L0001"),
        item("8", PIVOT - timedelta(days=5), "10.00", currency="USD"),
    ]
    report = aged_balance(items, "customer", PIVOT)
    rows = {row.counterparty_number: row.buckets for row in report.rows}
    assert rows["K0001"] == {
        **dict.fromkeys(BUCKETS, D(0)),
        "not_due": D("100.00"),
        "days_31_60": D("150.00"),
    }
    assert rows["K0002"] == {
        **dict.fromkeys(BUCKETS, D(0)),
        "over_90": D("300.00"),
        "days_0_30": D("-40.00"),
    }
    assert [row.counterparty_number for row in report.rows] == ["K0002", "K0001"]  # 260 > 250
    assert report.totals["days_0_30"] == D("-40.00")
    assert aged_balance(items, "supplier", PIVOT).totals["days_0_30"] == D("80.00")


def turnover(
    kind: str, number: str, period: str, amount: str, currency: str = "EUR"
) -> CounterpartyTurnover:
    return CounterpartyTurnover(
        kind=kind,
        counterparty_number=number,
        period=period,
        amount_excl_vat=amount,
        currency=currency,
    )


def test_top_counterparties_by_turnover_in_a_period_net_of_credit_notes() -> None:
    lines = [turnover("customer", f"K{n:04d}", "2026-03", str(100 * n)) for n in range(1, 13)]
    lines += [
        turnover("customer", "K0012", "2026-03", "-1150"),  # credit note: K0012 drops to 50
        turnover("customer", "K0001", "2026-04", "5000"),  # outside the period
        turnover("customer", "K0002", "2026-03", "9000", currency="USD"),
        turnover("supplier", "L0001", "2026-03", "9999"),
    ]
    top = top_counterparties(lines, "customer", "2026-03", "2026-03")
    assert [t.counterparty_number for t in top] == [f"K{n:04d}" for n in range(11, 1, -1)]
    assert top[0].amount_excl_vat == D("1100")
    assert len(top_counterparties(lines, "supplier", "2026-01", "2026-12")) == 1


# --------------------------------------------------------------------------- the demo, with BQL


@pytest.fixture(scope="module")
def demo() -> tuple[BeancountConnector, list, dict]:
    entries, errors, options = loader.load_file(str(DEMO_ROOT / DOSSIER_CODE / "main.beancount"))
    assert errors == []
    return BeancountConnector(DEMO_ROOT, today=lambda: PIVOT), entries, options


@pytest.mark.parametrize(
    ("kind", "account", "sign"),
    [("customer", "Assets:400000", 1), ("supplier", "Liabilities:440000", -1)],
)
@pytest.mark.parametrize("pivot", [PIVOT, date(2026, 8, 31)])
def test_demo_aged_balance_equals_a_beancount_query(
    demo: tuple, kind: str, account: str, sign: int, pivot: date
) -> None:
    connector, entries, options = demo
    report = aged_balance(connector.open_items(DOSSIER_CODE, as_of=pivot), kind, pivot)  # type: ignore[arg-type]

    # Independently: every posting on the collective account up to the pivot, summed per
    # document; the due date is on the invoice's posting.
    _, rows = run_query(
        entries,
        options,
        f"""SELECT meta('document') AS document, meta('counterparty') AS counterparty,
                   meta('due-date') AS due, sum(number) AS amount
            WHERE account = '{account}' AND date <= {pivot} AND meta('document') IS NOT NULL
            GROUP BY document, counterparty, due""",
    )
    open_per_document: dict[str, Decimal] = defaultdict(Decimal)
    due_of: dict[str, date] = {}
    counterparty_of: dict[str, str] = {}
    for document, counterparty, due, amount in rows:
        open_per_document[document] += sign * amount
        counterparty_of[document] = counterparty
        if due is not None:
            due_of[document] = due
    expected: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for document, amount in open_per_document.items():
        if amount:
            expected[(counterparty_of[document], bucket_of(due_of[document], pivot))] += amount

    computed = {
        (row.counterparty_number, bucket): value
        for row in report.rows
        for bucket, value in row.buckets.items()
        if value
    }
    assert computed == {key: value for key, value in expected.items() if value}
    assert len(computed) >= 5


@pytest.mark.parametrize(
    ("kind", "where"),
    [
        ("customer", "account ~ '^Income:7'"),
        (
            "supplier",
            "entry_meta('journal') IN ('CFAAN', 'CFCNAK') AND NOT account ~ '^(Liabilities:440000|Assets:411000|Liabilities:451000)$'",
        ),
    ],
)
@pytest.mark.parametrize(
    ("start", "end"),
    [(date(2026, 1, 1), date(2026, 12, 31)), (date(2026, 4, 1), date(2026, 6, 30))],
)
def test_demo_top_10_equals_a_beancount_query(
    demo: tuple, kind: str, where: str, start: date, end: date
) -> None:
    connector, entries, options = demo
    snapshot = connector.snapshot(DOSSIER_CODE)
    first, last = start.strftime("%Y-%m"), end.strftime("%Y-%m")
    top = top_counterparties(snapshot.turnover, kind, first, last)  # type: ignore[arg-type]

    sign = "neg(number)" if kind == "customer" else "number"
    _, rows = run_query(
        entries,
        options,
        f"""SELECT entry_meta('counterparty') AS counterparty, sum({sign}) AS turnover
            WHERE {where} AND date >= {start} AND date <= {end}
            GROUP BY counterparty ORDER BY turnover DESC, counterparty LIMIT 10""",
    )
    assert [(t.counterparty_number, t.amount_excl_vat) for t in top] == [
        (counterparty, amount) for counterparty, amount in rows
    ]
    assert len(top) == 10


@pytest.mark.parametrize(
    ("kind", "account", "sign"),
    [("customer", "Assets:400000", 1), ("supplier", "Liabilities:440000", -1)],
)
def test_demo_counterparty_balances_equal_the_account_balances_by_counterparty(
    demo: tuple, kind: str, account: str, sign: int
) -> None:
    connector, entries, options = demo
    balances = counterparty_balances(connector.open_items(DOSSIER_CODE), kind)  # type: ignore[arg-type]

    _, rows = run_query(
        entries,
        options,
        f"""SELECT meta('counterparty') AS counterparty, sum(number) AS balance
            WHERE account = '{account}' GROUP BY counterparty ORDER BY counterparty""",
    )
    assert balances == {counterparty: sign * amount for counterparty, amount in rows if amount}
    assert len(balances) >= 10
