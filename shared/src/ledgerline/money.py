"""Money as Decimal in Python and as a decimal string in JSON; floats are refused."""

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

DECIMAL_PATTERN = r"^-?\d+(\.\d+)?$"


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


Amount = Annotated[
    Decimal,
    BeforeValidator(_to_decimal),
    PlainSerializer(lambda value: str(value), return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "pattern": DECIMAL_PATTERN, "examples": ["1234.50"]}),
]
"""A monetary amount or a quantity: `Decimal` in Python, a decimal string in JSON."""
