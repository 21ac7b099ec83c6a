"""Reading amounts, dates and percentages as printed on Belgian and other European invoices.

Invoices are written by people and accounting packages in Dutch, French, English and German,
so one amount can appear as 1.234,56 / 1 234,56 / 1,234.56 / 1234.56, with € or EUR before or
after, and one date as 14/03/2026, 14-03-2026, 14.03.2026, 2026-03-14, "14 maart 2026",
"14 mars 2026", "14 March 2026" or "March 14, 2026". These helpers find such values in a piece
of text and return exact `Decimal` / `date` objects plus where they were found, so that the
layout-aware extraction can reason about positions.

Ambiguities are settled the way European invoices use them: numeric dates are day first
(month first only when the day-first reading is impossible), and a single separator followed
by exactly three digits ("1.500") is a thousands separator.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Final

__all__ = [
    "CURRENCY_CODES",
    "AmountMatch",
    "DateMatch",
    "PercentMatch",
    "find_amounts",
    "find_dates",
    "find_percentages",
    "fold",
    "month_first_dates",
    "numeric_date_evidence",
    "parse_amount",
    "parse_date",
]

# Currencies an EU accounting office meets; a bare three-letter word is only a currency when
# it is one of these (otherwise "BTW" or "TVA" would be read as codes).
CURRENCY_CODES: Final = frozenset(
    {"EUR", "USD", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "HUF", "RON", "BGN", "JPY"}
)
_SYMBOLS: Final = {"€": "EUR", "$": "USD", "£": "GBP"}

# Spaces that PDFs and OCR use as thousands separators (no-break, narrow no-break, thin).
_SPACE_LIKE: Final = str.maketrans(
    {"\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\u2212": "-", "\u2013": "-"}
)


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    base = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    # Keep one character per character, so that offsets in the folded text are offsets in
    # the original (ligatures and fractions are left as they are).
    return base if len(base) == 1 else char.lower()[:1] or char


def fold(text: str) -> str:
    """Lower case without accents, with exotic spaces and dashes made plain, "°" as "o";
    exactly as long as the input so that match offsets are offsets in the original."""
    text = text.translate(_SPACE_LIKE)
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(ch) for ch in text).replace("º", "o").replace("°", "o")


# --- amounts --------------------------------------------------------------------------------

_CURRENCY_TOKEN = r"(?:€|\$|£|\b(?:EUR|USD|GBP|CHF|SEK|DKK|NOK|PLN|CZK|HUF|RON|BGN|JPY)\b)"
_AMOUNT_RE: Final = re.compile(
    r"(?<![\w.,/+-])"
    r"(?P<lparen>\()?"
    r"(?P<sign>-\s?)?"
    rf"(?:(?P<cur1>{_CURRENCY_TOKEN})\s?)?"
    r"(?P<sign2>-\s?)?"
    r"(?P<number>"
    r"\d{1,3}(?:(?P<group>[ .,'])\d{3})(?:(?P=group)\d{3})*(?:[.,]\d{1,2})?"
    r"|\d+(?:[.,]\d{1,2})?"
    r")"
    rf"(?:\s?(?P<cur2>{_CURRENCY_TOKEN}))?"
    r"(?P<trail>-(?!\d))?"
    r"(?P<rparen>\))?"
    r"(?![\w]|[.,/]\d|\s?%)"
)


_ID_DIGITS: Final = 8
"""An integer of this many digits printed without thousands separators or decimals is a
number that identifies something (tax, account, order, phone), not an amount of money:
invoices print ten million and more with separators or cents."""


@dataclass(frozen=True, slots=True)
class AmountMatch:
    """An amount found in a text: its value, the currency written next to it (if any), how
    many decimals were printed, and the character span it occupies."""

    value: Decimal
    currency: str | None
    decimals: int
    start: int
    end: int


def _number_value(number: str, group: str | None) -> tuple[Decimal, int] | None:
    digits = number
    if group is not None:
        # Thousands groups were matched with one separator; a different final separator
        # followed by 1-2 digits is the decimal mark.
        tail = re.search(r"[.,](\d{1,2})$", digits)
        if tail is not None and digits[tail.start()] != group:
            integer = digits[: tail.start()].replace(group, "")
            return Decimal(f"{integer}.{tail[1]}"), len(tail[1])
        if tail is not None:
            # "1.234.5" style: a decimal mark equal to the group separator is not a number
            # anyone prints; refuse rather than guess.
            return None
        return Decimal(digits.replace(group, "")), 0
    match = re.fullmatch(r"(\d+)(?:[.,](\d{1,2}))?", digits)
    if match is None:
        return None
    if match[2] is None:
        return Decimal(match[1]), 0
    return Decimal(f"{match[1]}.{match[2]}"), len(match[2])


def find_amounts(text: str) -> list[AmountMatch]:
    """Every amount-looking number in `text` (not percentages, dates or identifiers)."""
    # "§" is how OCR often reads a 5 in a blurred amount.
    text = text.translate(_SPACE_LIKE).replace("§", "5")
    found: list[AmountMatch] = []
    for match in _AMOUNT_RE.finditer(text):
        try:
            parsed = _number_value(match["number"], match["group"])
        except InvalidOperation:
            continue
        if parsed is None:
            continue
        value, decimals = parsed
        if match["group"] is None and decimals == 0 and len(match["number"]) >= _ID_DIGITS:
            continue  # "VAT/TIN: 29670869006", "Account No. 00030340067212": an identifier
        negative = bool(match["sign"] or match["sign2"] or match["trail"])
        negative = negative or bool(match["lparen"] and match["rparen"])
        currency_token = match["cur1"] or match["cur2"]
        currency = _SYMBOLS.get(currency_token, currency_token) if currency_token else None
        found.append(
            AmountMatch(
                value=-value if negative else value,
                currency=currency,
                decimals=decimals,
                start=match.start(),
                end=match.end(),
            )
        )
    return found


def parse_amount(text: str) -> Decimal | None:
    """The value of `text` when it is one amount (surrounding currency and spaces allowed)."""
    stripped = text.strip()
    amounts = find_amounts(stripped)
    if len(amounts) != 1:
        return None
    only = amounts[0]
    if only.start != 0 or only.end != len(stripped):
        return None
    return only.value


# --- percentages ----------------------------------------------------------------------------

_PERCENT_RE: Final = re.compile(r"(?<![\w.,])(\d{1,2}(?:[.,]\d{1,2})?)\s?%")


@dataclass(frozen=True, slots=True)
class PercentMatch:
    value: Decimal
    start: int
    end: int


def find_percentages(text: str) -> list[PercentMatch]:
    """VAT-rate-like percentages: "21%", "6 %", "5,5%", "20.00 %"."""
    text = text.translate(_SPACE_LIKE)
    result = []
    for match in _PERCENT_RE.finditer(text):
        value = Decimal(match[1].replace(",", "."))
        result.append(
            PercentMatch(value=value.normalize() + 0, start=match.start(), end=match.end())
        )
    return result


# --- dates ----------------------------------------------------------------------------------

_MONTHS: Final = {
    # Dutch
    "januari": 1, "februari": 2, "maart": 3, "april": 4, "mei": 5, "juni": 6, "juli": 7,
    "augustus": 8, "september": 9, "oktober": 10, "november": 11, "december": 12,
    "mrt": 3, "okt": 10,
    # French (folded: no accents)
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7, "aout": 8,
    "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
    "janv": 1, "fevr": 2, "fev": 2, "avr": 4, "juil": 7,
    # English
    "january": 1, "february": 2, "march": 3, "may": 5, "june": 6, "july": 7, "august": 8,
    "october": 10,
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "sept": 9, "oct": 10, "nov": 11, "dec": 12,
    # German
    "januar": 1, "februar": 2, "marz": 3, "maerz": 3, "dezember": 12,
}  # fmt: skip
_MONTH_ALTERNATION: Final = "|".join(sorted(_MONTHS, key=len, reverse=True))

_NUMERIC_DATE: Final = re.compile(
    r"(?<![\w/.,+-])(\d{1,2})\s?([/.-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\w/]|[.,]\d)"
)
_ISO_DATE: Final = re.compile(r"(?<![\w/.-])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?![\w/]|[.,]\d)")
_DAY_MONTH_YEAR: Final = re.compile(
    rf"(?<![\w])(\d{{1,2}})(?:er|e|st|nd|rd|th)?[\s.-]*({_MONTH_ALTERNATION})\.?[\s,.-]*(\d{{4}})(?!\d)"
)
_MONTH_DAY_YEAR: Final = re.compile(
    rf"(?<![\w])({_MONTH_ALTERNATION})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?\s?,?\s+(\d{{4}})(?!\d)"
)


@dataclass(frozen=True, slots=True)
class DateMatch:
    value: date
    start: int
    end: int


def _make_date(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000
    if not 1990 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def month_first_dates(texts: Iterable[str]) -> bool:
    """Whether a document writes its numeric dates month first (US: 11/17/2017).

    Decided over the whole document, as a reader does: some date that can only be read
    month first (second number above 12) and none that can only be read day first. An
    ambiguous 11/03/2017 is then 3 November, not 11 March.
    """
    month_only, day_only = numeric_date_evidence(texts)
    return month_only and not day_only


def numeric_date_evidence(texts: Iterable[str]) -> tuple[bool, bool]:
    """(some numeric date can only be read month first, some only day first); neither when
    every numeric date of the document is ambiguous (03/04/2024)."""
    month_only = day_only = False
    for text in texts:
        for match in _NUMERIC_DATE.finditer(fold(text)):
            first, second = int(match[1]), int(match[3])
            if first <= 12 < second <= 31:
                month_only = True
            elif second <= 12 < first <= 31:
                day_only = True
    return month_only, day_only


def find_dates(text: str, *, month_first: bool = False) -> list[DateMatch]:
    """Every date in `text`, in order of appearance; numeric dates day first unless the
    document writes them month first (`month_first_dates`)."""
    folded = fold(text)
    found: list[DateMatch] = []
    taken: list[tuple[int, int]] = []

    def add(value: date | None, start: int, end: int) -> None:
        if value is None or any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        found.append(DateMatch(value, start, end))

    for match in _ISO_DATE.finditer(folded):
        add(_make_date(int(match[1]), int(match[3]), int(match[4])), match.start(), match.end())
    for match in _NUMERIC_DATE.finditer(folded):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        if month_first:
            first, second = second, first
        value = _make_date(year, second, first)
        if value is None and first <= 12 < second:
            # Only a month-first (US) reading makes sense.
            value = _make_date(year, first, second)
        add(value, match.start(), match.end())
    for match in _DAY_MONTH_YEAR.finditer(folded):
        month = _MONTHS[match[2]]
        add(_make_date(int(match[3]), month, int(match[1])), match.start(), match.end())
    for match in _MONTH_DAY_YEAR.finditer(folded):
        month = _MONTHS[match[1]]
        add(_make_date(int(match[3]), month, int(match[2])), match.start(), match.end())
    found.sort(key=lambda m: m.start)
    return found


def parse_date(text: str) -> date | None:
    """The first date in `text`, or None."""
    dates = find_dates(text)
    return dates[0].value if dates else None
