"""The checks of each field of a credit transfer batch, without pydantic.

Both ways into a batch use these functions: the pydantic input model (`credit_transfer`), which
words every problem of a batch with its location, and the quick path of the command-line tool
(`quick_batch`), which checks a well-formed batch without loading pydantic and hands anything
else to the model. Each function returns the checked value or raises `Problem` (one sentence).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final

from payments.domain.countries import is_country_code
from payments.domain.remittance import (
    MAX_UNSTRUCTURED_LENGTH,
    Remittance,
    RemittanceType,
    parse_remittance,
)
from payments.domain.sepa_text import find_outside_sepa, is_sepa_text, surely_fits, to_sepa

MIN_AMOUNT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal("999999999.99")
MAX_NAME_LENGTH: Final = 70  # EPC limit for debtor and creditor names (the XSD allows 140)
MAX_IDENTIFIER_LENGTH: Final = 35

_AMOUNT_TEXT = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# Amounts and ids that need no further look: checked with one match each, since these checks
# run for every payment of the batch (others take the step-by-step checks and their sentences).
PLAIN_AMOUNT: Final = re.compile(r"[1-9]\d{0,8}(?:\.\d{1,2})?|0\.\d{1,2}")
PLAIN_IDENTIFIER: Final = re.compile(
    r"[a-zA-Z0-9\-?:().,'+ ](?:[a-zA-Z0-9/\-?:().,'+ ]{0,33}[a-zA-Z0-9\-?:().,'+ ])?"
)
# Execution dates already parsed: a batch has a handful of distinct ones.
_DATES: dict[str, date] = {}
_MAX_DATES = 4096
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CENT = Decimal("0.01")


class InvalidBatch(ValueError):
    """The batch cannot be turned into a payment file; `problems` has one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        heading = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{heading} in the credit transfer batch:\n" + "\n".join(problems))


class Problem(ValueError):
    """A one-sentence problem, optionally about a sub-field of the value being validated."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def check_sepa_text(value: str, max_length: int, what: str) -> str:
    """A name or address line: not empty and at most `max_length` once converted to SEPA."""
    if 0 < len(value) <= max_length and find_outside_sepa(value) is None:
        return value  # nothing to convert (most texts): the checks below would all pass
    if surely_fits(value, max_length):
        return value  # converted when the file is written
    if not value:
        raise Problem(f"{what} must not be empty.")
    converted = to_sepa(value)
    if not converted:
        raise Problem(f"{what} is empty after conversion to the SEPA character set.")
    if len(converted) > max_length:
        raise Problem(
            f"{what} is {len(converted)} characters long after conversion to the SEPA "
            f"character set; at most {max_length} are allowed."
        )
    return value


def check_identifier(value: str, what: str) -> str:
    """Check an id (MsgId, EndToEndId) against the EPC rules for references."""
    if PLAIN_IDENTIFIER.fullmatch(value) is not None and "//" not in value:
        return value  # the checks below, in one pass
    if not 1 <= len(value) <= MAX_IDENTIFIER_LENGTH:
        raise Problem(f"{what} must be 1 to {MAX_IDENTIFIER_LENGTH} characters long.")
    if not is_sepa_text(value):
        raise Problem(f"{what} {value!r} may only use a-z A-Z 0-9 / - ? : ( ) . , ' + and space.")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise Problem(f"{what} {value!r} must not start or end with '/' or contain '//'.")
    return value


def check_end_to_end_id(value: str) -> str:
    return check_identifier(value, "end-to-end id")


def check_country(value: str) -> str:
    code = value.upper()
    if not is_country_code(code):
        raise Problem(f"{value!r} is not an ISO 3166 alpha-2 country code such as BE or NL.")
    return code


def parse_amount(value: object) -> Decimal:
    """Amount from a decimal string (or Decimal/int from Python); JSON floats are refused."""
    if type(value) is str and PLAIN_AMOUNT.fullmatch(value) is not None:
        amount = Decimal(value).quantize(_CENT)
        if amount:  # 0.01 to 999999999.99 by the pattern; 0.00 gets its sentence below
            return amount
    if isinstance(value, float):
        raise Problem(
            f'{value!r} is a JSON number; write amounts as strings such as "123.45" so that '
            "no rounding can happen."
        )
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Problem(f'{value!r} is not an amount; write it as a string such as "123.45".')
    text = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _AMOUNT_TEXT.match(text):
        raise Problem(
            f'{value!r} is not an amount; use digits with a dot for decimals, such as "1234.50".'
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise Problem(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise Problem(f"{value!r} is not an amount.")
    if amount < 0:
        raise Problem(f"{text} is negative; amounts must be between {MIN_AMOUNT} and {MAX_AMOUNT}.")
    if amount != amount.quantize(_CENT):
        raise Problem(f"{text} has more than two decimals.")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise Problem(f"{text} is outside the allowed range {MIN_AMOUNT} to {MAX_AMOUNT}.")
    return amount.quantize(_CENT)


def plain_amount(value: object) -> tuple[str, int] | None:
    """(text with two decimals, cents) of a plain amount string, as `parse_amount` reads it.

    For the quick path: no Decimal is made. None: anything else (`parse_amount` decides).
    """
    if type(value) is not str or PLAIN_AMOUNT.fullmatch(value) is None:
        return None
    if value[-3:-2] == ".":  # two decimals (most amounts)
        cents = int(value.replace(".", ""))
        return (value, cents) if cents else None
    whole, _, fraction = value.partition(".")
    if len(fraction) != 2:
        fraction = fraction.ljust(2, "0")
        value = f"{whole}.{fraction}"
    cents = int(whole + fraction)
    return (value, cents) if cents else None


def parse_currency(value: object) -> str:
    if value != "EUR":
        raise Problem(f"{value!r} is not accepted; SEPA credit transfers are in EUR only.")
    return "EUR"


def parse_date(value: object) -> date:
    if type(value) is str:
        known = _DATES.get(value)
        if known is not None:
            return known
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.match(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if len(_DATES) < _MAX_DATES:
                _DATES[value] = parsed
            return parsed
    raise Problem(f"{value!r} is not a date in the form YYYY-MM-DD.")


def plain_unstructured_text(value: object) -> str | None:
    """The text of `{"type": "unstructured", "value": text}` when it needs no further look.

    Free text already in the SEPA set, without spaces to strip and within the limit: what
    `parse_remittance` would make of it, without its steps. None: take `parse_remittance_field`.
    """
    if type(value) is dict and len(value) == 2 and value.get("type") == "unstructured":
        text = value.get("value")
        if (
            type(text) is str
            and 0 < len(text) <= MAX_UNSTRUCTURED_LENGTH
            and text[0] != " "
            and text[-1] != " "
            and find_outside_sepa(text) is None
        ):
            return text
    return None


def parse_remittance_field(value: object) -> Remittance:
    text = plain_unstructured_text(value)
    if text is not None:
        return Remittance(RemittanceType.UNSTRUCTURED, text)
    if isinstance(value, Remittance):
        return value
    if not isinstance(value, Mapping):
        raise Problem('must be an object such as {"type": "unstructured", "value": "..."}.')
    for key in value:
        if key not in ("type", "value"):
            raise Problem("is not a known field of a remittance.", field=str(key))
    kind = value.get("type")
    if kind is None:
        raise Problem("is required: none, unstructured or structured.", field="type")
    if not isinstance(kind, str):
        raise Problem("must be one of none, unstructured or structured.", field="type")
    text = value.get("value")
    if text is not None and not isinstance(text, str):
        raise Problem("must be a text string.", field="value")
    return parse_remittance(kind, text)
