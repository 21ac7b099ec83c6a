"""The shared input types: text without control characters, money as strict decimal strings,
and the middleware that refuses control characters in paths and query strings."""

import json
import re
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI
from ledgerline.money import Money
from ledgerline.text import (
    SINGLE_LINE_PATTERN,
    SingleLine,
    Text,
    control_character_problem,
)
from ledgerline.web import install_platform_routes
from pydantic import BaseModel, Field, ValidationError


class Payment(BaseModel):
    amount: Money
    name: SingleLine = Field(max_length=20)
    note: Text | None = None
    labels: list[SingleLine] = []


def payment(**fields: object) -> Payment:
    return Payment.model_validate({"amount": "12.50", "name": "Van Damme"} | fields)


def test_money_is_a_plain_decimal_string_with_at_most_two_decimals() -> None:
    assert payment(amount="1234.50").amount == Decimal("1234.50")
    assert payment(amount="7").amount == Decimal("7")
    assert payment(amount="0.1").amount == Decimal("0.1")
    assert payment(amount="999999999.99").amount == Decimal("999999999.99")
    assert payment(amount="1234.50").model_dump_json().startswith('{"amount":"1234.50"')


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("١٢٣.45", "ASCII digits"),  # Arabic-Indic digits: Decimal() accepts them
        ("１２.00", "ASCII digits"),  # full-width digits: Decimal() accepts them
        (" 12.00 ", "without spaces"),
        ("12.00\n", "without spaces"),
        ("1e400", "exponents"),
        ("1E2", "exponents"),
        ("NaN", "not an amount"),
        ("Infinity", "not an amount"),
        ("-5.00", "signs"),
        ("+5.00", "signs"),
        ("12,50", "not an amount"),
        ("", "not an amount"),
        ("10.005", "more than two decimals"),
        ("9" * 40, "larger than the largest amount 999999999.99"),
        ("1000000000.00", "larger than the largest amount"),
        (12, "not a JSON number"),
        (12.5, "not a JSON number"),
        (True, "not a JSON number"),
        (None, "not a JSON number"),
    ],
)
def test_money_refuses_anything_but_ascii_digits_in_range(amount: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        payment(amount=amount)


def test_money_json_schema_says_the_same() -> None:
    schema = Payment.model_json_schema()["properties"]["amount"]
    assert schema["type"] == "string"
    assert schema["pattern"] == r"^[0-9]{1,9}(\.[0-9]{1,2})?$"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("a\x00b", "a NUL character (U+0000) at position 1"),
        ("tab\there", "control character (U+0009)"),
        ("line\nbreak", "control character (U+000A)"),
        ("bell\x07", "control character (U+0007)"),
        ("del\x7f", "control character (U+007F)"),
        ("c1\x85", "control character (U+0085)"),
        ("sep\u2028", "control character (U+2028)"),
        ("lone\ud800", "lone surrogate (U+D800)"),
    ],
)
def test_single_line_text_refuses_control_characters(value: str, problem: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(problem)):
        payment(name=value)
    with pytest.raises(ValidationError, match="not allowed"):
        payment(labels=["fine", value])


def test_single_line_text_keeps_ordinary_text_and_its_other_constraints() -> None:
    assert payment(name="Bäckerei Müller €").name == "Bäckerei Müller €"
    with pytest.raises(ValidationError, match="at most 20 characters"):
        payment(name="x" * 21)
    schema = Payment.model_json_schema()["properties"]["name"]
    assert schema["pattern"] == SINGLE_LINE_PATTERN and schema["maxLength"] == 20


def test_text_allows_line_breaks_and_tabs_but_not_nul() -> None:
    assert payment(note="two\nlines\twith tab\r\n").note == "two\nlines\twith tab\r\n"
    with pytest.raises(ValidationError, match="NUL"):
        payment(note="a\x00")
    with pytest.raises(ValidationError, match=re.escape("U+001B")):
        payment(note="escape\x1b[31m")
    assert control_character_problem("fine") is None


async def test_control_characters_in_path_or_query_get_422_before_any_endpoint() -> None:
    app = FastAPI()
    install_platform_routes(app, "unit", {})
    reached: list[str] = []

    @app.get("/things/{name}")
    async def thing(name: str, status: str | None = None) -> dict[str, str | None]:
        reached.append(name)
        return {"name": name, "status": status}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        ok = await client.get("/things/caf%C3%A9?status=new+one")
        assert ok.status_code == 200 and ok.json() == {"name": "café", "status": "new one"}
        for url, where in [
            ("/things/x?status=%00", "query: a NUL character"),
            ("/things/x?status=ok&other=%0A", "query: a control character (U+000A)"),
            ("/things/x?status=%C2%85", "query: a control character (U+0085)"),
            ("/things/a%00b", "path: a NUL character"),
            ("/things/a%1Fb", "path: a control character (U+001F)"),
        ]:
            refused = await client.get(url)
            assert refused.status_code == 422, url
            body = json.loads(refused.content)
            assert body["detail"].startswith(where), (url, body)
            assert body["problems"] == [body["detail"]]
            assert refused.headers["X-Correlation-ID"]
    assert reached == ["café"]
