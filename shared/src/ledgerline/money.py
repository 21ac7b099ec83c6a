"""Money as Decimal in Python and as a decimal string in JSON; floats are refused.

Two types, on purpose:
* `Amount` is what events carry: totals, but also quantities, unit prices and rates that a UBL
  invoice may give with more decimals. It is lenient on input so that no published event breaks.
* `Money` is what every API takes as an amount of money from a caller: a plain decimal string of
  ASCII digits with at most two decimals, not negative, within what a SEPA credit transfer can
  carry. Anything
  else (Arabic-Indic or full-width digits, spaces, exponents, 40 nines) is a clear 422, never a
  500 from the database and never a payment of an amount the caller did not mean.
"""

import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"

# The largest amount of one SEPA credit transfer (EPC rulebook: 999,999,999.99 EUR); it also
# fits every numeric column that stores money. [0-9], not \d: \d matches any Unicode digit.
MONEY_MAX_INTEGER_DIGITS = 9
MONEY_PATTERN = rf"^[0-9]{{1,{MONEY_MAX_INTEGER_DIGITS}}}(\.[0-9]{{1,2}})?$"
MONEY_MAX = Decimal("999999999.99")
_MONEY = re.compile(MONEY_PATTERN)
_MONEY_SHAPE = re.compile(r"^[0-9]+(\.[0-9]+)?$")


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, float):
        raise ValueError('amounts are decimal strings such as "1234.50", never floats')
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not a decimal amount") from exc
    else:
        raise ValueError(f"{value!r} is not a decimal amount")
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return result


def _to_money(value: Any) -> Decimal:
    if isinstance(value, Decimal) and value.is_finite():
        value = format(value, "f")  # from Python code: the same rules as for a caller's string
    if not isinstance(value, str):
        raise ValueError('an amount is a decimal string such as "1234.50", not a JSON number')
    if _MONEY.fullmatch(value):
        return Decimal(value)
    if not _MONEY_SHAPE.fullmatch(value):
        raise ValueError(
            f"{value[:50]!r} is not an amount: use ASCII digits 0-9 and a '.' before the "
            'decimals, without spaces, signs or exponents, e.g. "1234.50"'
        )
    if "." in value and len(value.split(".", 1)[1]) > 2:
        raise ValueError(f"{value[:50]!r} has more than two decimals")
    raise ValueError(f"{value[:50]!r} is larger than the largest amount {MONEY_MAX}")


Amount = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["1234.50"]}),
]
"""A monetary amount or a quantity in an event: `Decimal` in Python, a decimal string in JSON."""

Money = Annotated[
    Decimal,
    BeforeValidator(_to_money),
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": MONEY_PATTERN,
            "examples": ["1234.50"],
            "description": "ASCII digits, at most two decimals, from 0 to 999999999.99",
        }
    ),
]
"""An amount of money an API takes: `"1234.50"`; ASCII digits, two decimals at most, in range."""
