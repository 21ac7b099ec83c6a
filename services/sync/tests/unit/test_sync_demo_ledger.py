"""The demo dossier's ledger that ships with the project: valid for Beancount, and complete."""

from datetime import date
from decimal import Decimal

import pytest
from beancount import loader
from beancount.core import data
from schwifty import IBAN
from stdnum.be import vat as be_vat
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import LedgerSnapshot
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE

TODAY = date(2026, 11, 30)


@pytest.fixture(scope="module")
def snapshot() -> LedgerSnapshot:
    return BeancountConnector(DEMO_ROOT, today=lambda: TODAY).snapshot(DOSSIER_CODE)


def test_beancount_loads_the_demo_ledger_without_errors() -> None:
    entries, errors, options = loader.load_file(str(DEMO_ROOT / DOSSIER_CODE / "main.beancount"))
    assert [error.message for error in errors] == []
    assert options["title"] == "Bakkerij Peeters BV"
    assert sum(isinstance(entry, data.Transaction) for entry in entries) > 300


def test_the_chart_is_a_belgian_pcmn_with_the_accounts_the_platform_needs(
    snapshot: LedgerSnapshot,
) -> None:
    accounts = {account.code: account for account in snapshot.gl_accounts}
    for code in (
        "400000",
        "440000",
        "411000",
        "451000",
        "550000",
        "604000",
        "610000",
        "612000",
        "613000",
        "700000",
        "999999",
    ):
        assert code in accounts, code
    assert {account.pcmn_class for account in accounts.values()} >= {1, 2, 3, 4, 5, 6, 7}
    assert accounts["999999"].suspense and not accounts["604000"].suspense
    assert accounts["604000"].type == "expense" and accounts["700000"].type == "income"
    assert accounts["440000"].type == "liability" and accounts["400000"].type == "asset"
    assert not accounts["613500"].active


def test_vat_codes_cover_rates_kinds_intra_eu_and_reverse_charge(snapshot: LedgerSnapshot) -> None:
    codes = snapshot.vat_codes
    for direction in ("purchase", "sales"):
        for rate in (0, 6, 12, 21):
            kinds = {
                c.kind
                for c in codes
                if c.direction == direction and c.rate == rate and c.regime == "domestic"
            }
            expected = (
                {"goods", "services", "investments"}
                if direction == "purchase"
                else {"goods", "services"}
            )
            assert kinds == expected, (direction, rate)
    regimes = {(c.direction, c.regime) for c in codes}
    assert {
        ("purchase", "intra_eu"),
        ("purchase", "reverse_charge"),
        ("sales", "intra_eu"),
        ("sales", "reverse_charge"),
    } <= regimes
    assert all(c.base_grid for c in codes)
    assert any(c.deductible_share == 50 for c in codes)


def test_journals_and_periods(snapshot: LedgerSnapshot) -> None:
    journals = {journal.code: journal for journal in snapshot.journals}
    assert {"CFAAN", "CFCNAK", "CFVER", "CFCNVK"} <= {
        code for code, j in journals.items() if j.platform
    }
    assert journals["CFCNAK"].credit_note_only and journals["CFCNVK"].credit_note_only
    assert journals["CFAAN"].type == "purchase" and journals["CFVER"].type == "sales"
    assert all(j.number_format == "yy000###" for j in journals.values())
    bank_journals = [j for j in journals.values() if j.type == "financial"]
    assert bank_journals and all(j.bank_account_iban for j in bank_journals)
    assert journals["CFAAN"].next_number is not None and journals["CFAAN"].next_number.startswith(
        "26000"
    )
    periods = sorted(snapshot.periods, key=lambda p: p.code)
    assert [p.code for p in periods] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert [p.status for p in periods] == ["closed"] * 9 + ["open"] * 3
    assert periods[1].start == date(2026, 2, 1) and periods[1].end == date(2026, 2, 28)


def test_counterparties_have_valid_belgian_vat_numbers_and_ibans(snapshot: LedgerSnapshot) -> None:
    suppliers = [c for c in snapshot.counterparties if c.kind == "supplier"]
    customers = [c for c in snapshot.counterparties if c.kind == "customer"]
    assert len(suppliers) >= 10 and len(customers) >= 10
    for counterparty in snapshot.counterparties:
        assert be_vat.is_valid(counterparty.vat_number), counterparty.vat_number
        assert counterparty.ibans
        for iban in counterparty.ibans:
            IBAN(iban)  # raises on a wrong check digit or BBAN
    for bank in snapshot.bank_accounts:
        assert IBAN(bank.iban).country_code == "BE"
    assert len({c.vat_number for c in snapshot.counterparties}) == len(snapshot.counterparties)


def test_open_items_include_partly_paid_and_overdue_ones(snapshot: LedgerSnapshot) -> None:
    items = snapshot.open_items
    for kind in ("customer", "supplier"):
        mine = [i for i in items if i.kind == kind]
        assert any(0 < i.amount_paid < i.amount for i in mine), kind
        assert any(i.due_date and i.due_date < TODAY for i in mine), kind
        assert any(i.due_date and i.due_date >= TODAY for i in mine), kind
    assert any(i.due_date and (TODAY - i.due_date).days > 90 for i in items)
    assert all(i.open_amount != 0 for i in items)
    assert all(i.amount_paid >= 0 or i.amount < 0 for i in items)
    assert sum((i.open_amount for i in items if i.kind == "customer"), Decimal(0)) > 0


def test_the_books_are_up_to_date_until_the_last_bank_transaction(snapshot: LedgerSnapshot) -> None:
    last = max(line.date for line in snapshot.financial_transactions)
    assert snapshot.up_to_date_until == last
    assert all(line.bank_account_iban for line in snapshot.financial_transactions)
    assert any(line.settles for line in snapshot.financial_transactions)
