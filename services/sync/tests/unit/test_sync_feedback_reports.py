"""Open items at a pivot, an item's history, P&L, balance sheet and key figures: the rules on
small cases, and the demo ledger's figures against independent Beancount queries."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from beancount import loader
from beanquery.query import run_query
from sync.connectors.beancount_ledger import books as ledger_books
from sync.connectors.beancount_ledger import reports as ledger_reports
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import BookingPeriod, GLAccount, LedgerMovement, OpenItem
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.feedback import (
    OpenItemFilter,
    balance_sheet,
    due_status,
    item_history,
    key_figures,
    open_item_rows,
    open_item_totals,
    profit_and_loss,
)

D = Decimal
PIVOT = date(2026, 11, 30)


def item(number: str, due: date | None, amount: str, paid: str = "0", **more: object) -> OpenItem:
    values: dict[str, object] = {
        "kind": "customer",
        "journal": "CFVER",
        "document_number": number,
        "counterparty_number": "K0001",
        "invoice_date": (due or PIVOT) - timedelta(days=30),
        "due_date": due,
        "amount": amount,
        "amount_paid": paid,
    }
    return OpenItem(**(values | more))


def test_due_today_and_overdue_are_told_apart_at_the_pivot() -> None:
    assert due_status(PIVOT - timedelta(days=1), PIVOT) == "overdue"
    assert due_status(PIVOT, PIVOT) == "due_today"
    assert due_status(PIVOT + timedelta(days=1), PIVOT) == "not_due"


def test_open_items_at_a_pivot_with_flags_filters_and_totals() -> None:
    items = [
        item("1", PIVOT + timedelta(days=3), "100.00"),
        item("2", PIVOT, "200.00", "50.00"),
        item("3", PIVOT - timedelta(days=10), "300.00", counterparty_number="K0002"),
        item("4", PIVOT - timedelta(days=10), "70.00", "70.00"),  # settled
        item("5", None, "40.00", invoice_date=PIVOT - timedelta(days=2)),  # due on invoice date
        item("6", PIVOT, "9.00", invoice_date=PIVOT + timedelta(days=1)),  # after the pivot
        item("7", PIVOT, "9.00", kind="supplier"),
    ]
    rows = open_item_rows(items, "customer", PIVOT)
    assert [(r.item.document_number, r.status, r.days_overdue, r.open_amount) for r in rows] == [
        ("3", "overdue", 10, D("300.00")),
        ("5", "overdue", 2, D("40.00")),
        ("2", "due_today", 0, D("150.00")),
        ("1", "not_due", 0, D("100.00")),
    ]
    assert rows[2].due_today and not rows[2].overdue and rows[0].overdue
    totals = open_item_totals(rows)
    assert (totals.due, totals.not_due, totals.open) == (D("490.00"), D("100.00"), D("590.00"))
    assert (totals.invoiced, totals.paid) == (D("640.00"), D("50.00"))

    only = open_item_rows(items, "customer", PIVOT, OpenItemFilter(status="overdue"))
    assert [r.item.document_number for r in only] == ["3", "5"]
    only = open_item_rows(items, "customer", PIVOT, OpenItemFilter(status="due"))
    assert [r.item.document_number for r in only] == ["3", "5", "2"]
    only = open_item_rows(items, "customer", PIVOT, OpenItemFilter(counterparty_number="K0002"))
    assert [r.item.document_number for r in only] == ["3"]
    only = open_item_rows(items, "customer", PIVOT, OpenItemFilter(min_open=D("100.00")))
    assert [r.item.document_number for r in only] == ["3", "2", "1"]
    only = open_item_rows(items, "customer", PIVOT, OpenItemFilter(due_to=PIVOT - timedelta(1)))
    assert [r.item.document_number for r in only] == ["3", "5"]


HISTORY_LEDGER = """
option "operating_currency" "EUR"
2026-01-01 open Assets:400000
  code: "400000"
  role: "customers"
2026-01-01 open Liabilities:440000
  code: "440000"
  role: "suppliers"
2026-01-01 open Income:700000
2026-01-01 open Assets:550000
2026-01-01 custom "ledgerline-journal" "CFVER"
  type: "sales"
  number-format: "yy000###"
2026-01-01 custom "ledgerline-journal" "CFCNVK"
  type: "sales"
  number-format: "yy000###"
  credit-note-only: TRUE
2026-01-01 custom "ledgerline-journal" "KBC"
  type: "financial"
  number-format: "yy000###"
2026-02-01 * "Invoice"
  journal: "CFVER"
  document-number: "26000001"
  counterparty: "K0001"
  Assets:400000  121.00 EUR
    document: "CFVER/26000001"
    invoice-date: 2026-02-01
    due-date: 2026-03-03
  Income:700000
2026-02-10 * "Credit note applied to the invoice"
  journal: "CFCNVK"
  document-number: "26000001"
  counterparty: "K0001"
  Assets:400000  -21.00 EUR
    document: "CFVER/26000001"
  Income:700000
2026-03-01 * "Part payment"
  journal: "KBC"
  document-number: "26000001"
  Assets:400000  -60.00 EUR
    document: "CFVER/26000001"
  Assets:550000
"""


def test_the_history_of_an_open_item_is_read_from_the_ledger_with_its_balance() -> None:
    entries, errors, _ = loader.load_string(HISTORY_LEDGER)
    assert errors == []
    books = ledger_books.read_books(entries)
    history = ledger_reports.open_item_history(entries, books, "CFVER", "26000001")
    assert history is not None
    assert [(m.kind, m.journal, m.amount, balance) for m, balance in item_history(history)] == [
        ("invoice", "CFVER", D("121.00"), D("121.00")),
        ("credit_note", "CFCNVK", D("-21.00"), D("100.00")),
        ("payment", "KBC", D("-60.00"), D("40.00")),
    ]
    assert ledger_reports.open_item_history(entries, books, "CFVER", "26000009") is None


def account(code: str, account_type: str) -> GLAccount:
    return GLAccount(code=code, name=f"account {code}", pcmn_class=int(code[0]), type=account_type)


def move(code: str, period: str, amount: str) -> LedgerMovement:
    return LedgerMovement(
        gl_account=code, period=period, date=date.fromisoformat(f"{period}-01"), amount=amount
    )


CHART = [
    account("100000", "equity"),
    account("400000", "asset"),
    account("440000", "liability"),
    account("550000", "asset"),
    account("604000", "expense"),
    account("610000", "expense"),
    account("700000", "income"),
]
MOVES = [
    move("550000", "2026-01", "1000.00"),
    move("100000", "2026-01", "-1000.00"),
    move("400000", "2026-02", "121.00"),
    move("700000", "2026-02", "-121.00"),
    move("604000", "2026-03", "50.00"),
    move("610000", "2026-03", "30.00"),
    move("440000", "2026-03", "-80.00"),
    move("700000", "2026-04", "-10.00"),
    move("550000", "2026-04", "10.00"),
]


def test_profit_and_loss_by_class_and_group_with_sub_totals() -> None:
    report = profit_and_loss(MOVES, CHART, "2026-02", "2026-03")
    assert [(c.pcmn_class, c.total) for c in report.classes] == [(6, D("80.00")), (7, D("121.00"))]
    costs = report.classes[0]
    assert [(g.group, g.total) for g in costs.groups] == [("60", D("50.00")), ("61", D("30.00"))]
    assert (report.revenue, report.costs, report.result) == (D("121.00"), D("80.00"), D("41.00"))


def test_the_balance_sheet_balances_with_the_result_of_the_year_so_far() -> None:
    sheet = balance_sheet(MOVES, CHART, "2026-03")
    assert [(c.pcmn_class, c.total) for c in sheet.classes] == [
        (1, D("-1000.00")),
        (4, D("41.00")),
        (5, D("1000.00")),
    ]
    assert (sheet.assets, sheet.liabilities_and_equity, sheet.result) == (
        D("1121.00"),
        D("1080.00"),
        D("41.00"),
    )
    assert sheet.assets == sheet.liabilities_and_equity + sheet.result


def period(code: str, status: str) -> BookingPeriod:
    start = date.fromisoformat(f"{code}-01")
    return BookingPeriod(fiscal_year=code[:4], code=code, start=start, end=start, status=status)


def test_key_figures_only_for_closed_periods_leave_open_periods_out() -> None:
    periods = [period("2026-02", "closed"), period("2026-03", "open"), period("2026-04", "open")]
    every = key_figures(MOVES, periods, "2026-01", "2026-12", closed_periods_only=False)
    assert (every.revenue, every.costs, every.result) == (D("131.00"), D("80.00"), D("51.00"))
    closed = key_figures(MOVES, periods, "2026-01", "2026-12", closed_periods_only=True)
    assert closed.periods == ["2026-02"]
    assert (closed.revenue, closed.costs, closed.result) == (D("121.00"), D("0"), D("121.00"))


@pytest.fixture(scope="module")
def demo() -> tuple[list, dict]:
    entries, errors, options = loader.load_file(str(DEMO_ROOT / DOSSIER_CODE / "main.beancount"))
    assert errors == []
    return entries, options


def test_demo_profit_and_loss_equals_a_beancount_query(demo: tuple[list, dict]) -> None:
    entries, options = demo
    connector = BeancountConnector(DEMO_ROOT)
    snapshot = connector.snapshot(DOSSIER_CODE)
    report = profit_and_loss(
        connector.ledger_movements(DOSSIER_CODE), snapshot.gl_accounts, "2026-03", "2026-08"
    )
    _, rows = run_query(
        entries,
        options,
        """SELECT account, sum(number(weight)) AS amount
           WHERE account ~ '^(Expenses|Income):' AND entry_meta('period') >= '2026-03'
             AND entry_meta('period') <= '2026-08'
           GROUP BY account ORDER BY account""",
    )
    expected = {name.split(":")[1]: amount for name, amount in rows if amount}
    computed = {
        line.gl_account: line.amount if block.pcmn_class == 6 else -line.amount
        for block in report.classes
        for group in block.groups
        for line in group.accounts
    }
    assert computed == expected
    assert report.revenue == -sum(v for k, v in expected.items() if k.startswith("7"))
    assert report.costs > 0 and report.revenue > 0


def test_demo_balance_sheet_equals_a_beancount_query(demo: tuple[list, dict]) -> None:
    entries, options = demo
    connector = BeancountConnector(DEMO_ROOT)
    snapshot = connector.snapshot(DOSSIER_CODE)
    sheet = balance_sheet(connector.ledger_movements(DOSSIER_CODE), snapshot.gl_accounts, "2026-06")
    _, rows = run_query(
        entries,
        options,
        """SELECT account, sum(number(weight)) AS amount
           WHERE account ~ '^(Assets|Liabilities|Equity):' AND entry_meta('period') <= '2026-06'
           GROUP BY account ORDER BY account""",
    )
    expected = {name.split(":")[1]: amount for name, amount in rows if amount}
    computed = {
        line.gl_account: line.amount
        for block in sheet.classes
        for group in block.groups
        for line in group.accounts
    }
    assert computed == expected
    assert sheet.assets == sheet.liabilities_and_equity + sheet.result
