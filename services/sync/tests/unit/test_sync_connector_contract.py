"""The connector contract: models, published JSON Schemas, document number formats."""

import json
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from pydantic import ValidationError
from sync.connectors.beancount_ledger.books import NumberFormat, account_name
from sync.connectors.contract import (
    BookingHeader,
    BookingLine,
    BookingRefused,
    BookingToPost,
    OpenItem,
)
from sync.connectors.schemas import export_connector_schemas

PUBLISHED = Path(__file__).resolve().parents[4] / "docs" / "connectors"


def test_published_connector_schemas_match_the_models(tmp_path: Path) -> None:
    export_connector_schemas(tmp_path)
    stale = [
        path.name
        for path in sorted(tmp_path.iterdir())
        if not (PUBLISHED / path.name).exists()
        or (PUBLISHED / path.name).read_text() != path.read_text()
    ]
    extra = sorted(path.name for path in PUBLISHED.iterdir() if not (tmp_path / path.name).exists())
    assert stale == [], f"run `uv run sync connector-schemas`: docs/connectors is stale for {stale}"
    assert extra == [], f"docs/connectors has schemas of no model: {extra}"


def test_amounts_are_decimal_strings_in_the_schemas_and_the_json() -> None:
    schema = json.loads((PUBLISHED / "OpenItem.json").read_text())
    assert schema["properties"]["amount"]["type"] == "string"
    item = OpenItem(
        kind="supplier",
        journal="CFAAN",
        document_number="26000001",
        counterparty_number="L0001",
        invoice_date=date(2026, 3, 1),
        amount="1210.00",
        amount_paid="1000.00",
    )
    assert json.loads(item.model_dump_json())["amount"] == "1210.00"
    assert item.open_amount == Decimal("210.00")


def header(**changes: object) -> BookingHeader:
    values: dict[str, object] = {
        "journal": "CFAAN",
        "period": "2026-03",
        "counterparty_number": "L0001",
        "invoice_date": date(2026, 3, 1),
        "total_excl_vat": "100.00",
        "total_vat": "21.00",
        "total_incl_vat": "121.00",
    }
    return BookingHeader(**(values | changes))


def test_a_booking_refuses_floats_bad_periods_and_missing_lines() -> None:
    with pytest.raises(ValidationError, match="never floats"):
        header(total_incl_vat=121.0)
    with pytest.raises(ValidationError, match="period"):
        header(period="2026-13")
    with pytest.raises(ValidationError, match="lines"):
        BookingToPost(proposal_id=uuid.uuid4(), header=header(), lines=())
    with pytest.raises(ValidationError, match="exchange rate"):
        BookingToPost(
            proposal_id=uuid.uuid4(),
            header=header(currency="USD"),
            lines=(BookingLine(gl_account="604000", amount_excl_vat="100.00"),),
        )
    with pytest.raises(ValidationError, match="gl_account"):
        BookingLine(gl_account="60 4000", amount_excl_vat="1")


@pytest.mark.parametrize(
    ("number_format", "year", "sequence", "expected"),
    [
        ("yy000###", 2026, 1, "26000001"),
        ("yy000###", 2026, 1234, "26001234"),
        ("yyyy####", 2027, 12, "20270012"),
        ("AK-yy-####", 2026, 7, "AK-26-0007"),
        ("######", 2026, 42, "000042"),
    ],
)
def test_document_numbers_follow_the_journal_format(
    number_format: str, year: int, sequence: int, expected: str
) -> None:
    parsed = NumberFormat.parse(number_format)
    assert parsed.format(year, sequence) == expected
    assert parsed.sequence_of(expected, year) == sequence
    assert parsed.sequence_of(expected, year + 1) is None or not parsed.year_digits


def test_a_journal_whose_numbers_are_used_up_refuses() -> None:
    with pytest.raises(BookingRefused, match="used up"):
        NumberFormat.parse("yy##").format(2026, 100)
    with pytest.raises(ValueError, match="no run of 0 or #"):
        NumberFormat.parse("yy-AB")


@pytest.mark.parametrize(
    ("code", "account"),
    [
        ("100000", "Equity:100000"),
        ("173000", "Liabilities:173000"),
        ("230000", "Assets:230000"),
        ("400000", "Assets:400000"),
        ("411000", "Assets:411000"),
        ("440000", "Liabilities:440000"),
        ("451000", "Liabilities:451000"),
        ("550000", "Assets:550000"),
        ("604000", "Expenses:604000"),
        ("700000", "Income:700000"),
        ("999999", "Assets:999999"),
    ],
)
def test_pcmn_codes_map_to_beancount_roots(code: str, account: str) -> None:
    assert account_name(code) == account
