"""Finding VAT numbers, IBANs, BICs and payment references in printed text.

Each finder returns only values whose check digits are right (python-stdnum, schwifty), in a
canonical form: VAT numbers compact with their country prefix ("BE0123456749"), IBANs compact
and upper case, BICs compact, a Belgian structured communication as "+++ddd/dddd/ddddd+++"
and an ISO 11649 reference compact ("RF18539007547034"). A check-digit test is what lets
the extraction tell an identifier from a phone number or an order reference without a
template, and what makes an OCR misreading fail loudly instead of producing a wrong value.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Final

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import iso11649
from stdnum.be import ogm_vcs
from stdnum.be import vat as be_vat
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat

__all__ = [
    "Found",
    "bic_of_iban",
    "find_bics",
    "find_ibans",
    "find_payment_references",
    "find_vat_numbers",
    "is_valid_bic",
]

_VAT_PREFIXES: Final = (
    "AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI|GB"
)
# A country prefix, then 7 to 14 identifier characters possibly grouped by spaces, dots or
# dashes; trailing characters that break the check digits are trimmed afterwards.
_VAT_RE: Final = re.compile(
    rf"(?<![A-Z0-9])({_VAT_PREFIXES})[ .:-]{{0,2}}((?:[0-9A-Z+*][ .,-]{{0,2}}){{7,15}})"
)
_BARE_BE_VAT_RE: Final = re.compile(r"(?<![\d.])([01]?\d{3}[ .]?\d{3}[ .]?\d{3})(?![\d])")
# Check digits may be misread letters (OCR "BEOS" for "BE08"); the checksum decides.
_IBAN_RE: Final = re.compile(
    r"(?<![A-Z0-9])([A-Z]{2}[0-9ODQILSBZ]{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?)"
)
# Where the all-digit part of a country's BBAN starts (after letters of a bank code), for
# repairing OCR letter/digit confusions; countries with letters further on are not repaired.
_NUMERIC_BBAN_FROM: Final = {
    "BE": 4, "DE": 4, "FR": 4, "AT": 4, "ES": 4, "PL": 4, "SE": 4, "FI": 4, "PT": 4,
    "SK": 4, "CZ": 4, "SI": 4, "HR": 4, "EE": 4, "LT": 4, "DK": 4, "NL": 8, "IE": 8,
}  # fmt: skip
_BIC_RE: Final = re.compile(
    r"(?<![A-Z0-9])([A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?)(?![A-Z0-9])"
)
_OGM_RE: Final = re.compile(
    r"([+*]{2,3})\s*([\dOISBZ]{3})\s*/\s*([\dOISBZ]{4})\s*/\s*([\dOISBZ]{5})\s*([+*]{2,3})"
)
_BARE_OGM_RE: Final = re.compile(r"(?<![\d/])(\d{3})[ /.]?(\d{4})[ /.]?(\d{5})(?![\d/])")
# Printed in groups of four (the last may be shorter) or compact, up to 25 characters.
_RF_RE: Final = re.compile(
    r"(?<![A-Z0-9])(RF\d{2}(?:(?: [A-Z0-9]{4}){1,5}(?: [A-Z0-9]{1,3})?|[A-Z0-9]{1,21}))(?![A-Z0-9])"
)

# OCR reads these letters where digits belong; only tried when the text as read fails.
_DIGIT_LOOKALIKES: Final = str.maketrans(
    {"O": "0", "D": "0", "Q": "0", "I": "1", "L": "1", "S": "5", "B": "8", "Z": "2"}
)
_ALTERNATIVES: Final = {"S": "58", "B": "86", "G": "6", "O": "0", "D": "0", "Q": "0",
                        "I": "1", "L": "1", "Z": "2", "T": "7"}  # fmt: skip


def _digit_variants(text: str) -> list[str]:
    """`text` with each look-alike letter replaced by the digits it is often misread from."""
    variants = [""]
    for ch in text:
        options = _ALTERNATIVES.get(ch, ch) if not ch.isdigit() else ch
        variants = [v + o for v in variants for o in options][:16]
    return variants


def _iban_readings(raw: str) -> list[str]:
    """The text as read, then with digit look-alikes repaired where digits must be."""
    compact = raw.replace(" ", "")
    readings = [compact]
    country = compact[:2]
    start = _NUMERIC_BBAN_FROM.get(country)
    for checks in _digit_variants(compact[2:4]):
        readings.append(country + checks + compact[4:])
        if start is not None:
            head = country + checks + compact[4:start]
            readings.extend(head + tail for tail in _digit_variants(compact[start:])[:4])
    unique = list(dict.fromkeys(readings))
    return unique[:40]


@dataclass(frozen=True, slots=True)
class Found:
    """A validated identifier and where it was read (character offsets in the text)."""

    value: str
    start: int
    end: int


def _valid_vat(candidate: str) -> str | None:
    try:
        if candidate.startswith("GB"):
            return "GB" + gb_vat.validate(candidate)
        return eu_vat.validate(candidate)
    except (ValidationError, ValueError, KeyError):
        return None


def _repair_vat_digits(prefix: str, body: str) -> str:
    if prefix == "FR":
        return body[:2] + body[2:].translate(_DIGIT_LOOKALIKES)
    if prefix == "NL" and len(body) == 12:
        return body[:9].translate(_DIGIT_LOOKALIKES) + "B" + body[10:].translate(_DIGIT_LOOKALIKES)
    if prefix == "AT":  # "U" then eight digits
        return body[:1] + body[1:].translate(_DIGIT_LOOKALIKES)
    if prefix in ("ES", "CY"):  # a letter may open (ES) or close (ES, CY) the number
        return body[:1] + body[1:-1].translate(_DIGIT_LOOKALIKES) + body[-1:]
    if prefix == "IE":
        return body  # letters in several places
    return body.translate(_DIGIT_LOOKALIKES)


def _trimmed_vat(prefix: str, body: str) -> tuple[str, int] | None:
    """The longest prefix of `body` that makes a valid VAT number, and its length."""
    if sum(ch.isdigit() for ch in body) < 4:
        # Every VAT number has at least 7 digits; words after a country code ("DE" in
        # "DELIVERY ADDRESS") are not validated at every length, even allowing for OCR.
        return None
    for end in range(len(body), 0, -1):
        chunk = body[:end]
        if chunk[-1] in " .,-":
            continue
        # A comma is OCR's reading of a dot ("BE0584.182,104").
        compact = re.sub(r"[ .,-]", "", chunk)
        if len(compact) < 7:
            break
        valid = _valid_vat(prefix + compact)
        if valid is None and any(ch.isalpha() for ch in compact):
            # OCR read a digit as a letter (0/O, 1/I, 5/S): repair the positions that must
            # be digits (a French key and the "B" of a Dutch number may be letters).
            valid = _valid_vat(prefix + _repair_vat_digits(prefix, compact))
            if valid is None and prefix == "FR":  # a French key is usually digits too
                valid = _valid_vat(prefix + compact.translate(_DIGIT_LOOKALIKES))
        if valid is not None:
            return valid, end
    return None


def find_vat_numbers(text: str, *, allow_bare_belgian: bool = False) -> list[Found]:
    """EU (and UK) VAT numbers with valid check digits; a Belgian number written without
    "BE" ("BTW 0123.456.749") only when the caller knows the text is labelled as a VAT or
    enterprise number, since ten digits with a mod-97 check also match some phone numbers."""
    return list(_vat_numbers(text, allow_bare_belgian))


# The extractor asks about the same cell text from several field finders; validation
# (python-stdnum per country) is the costly part, so each text is read once.
@lru_cache(maxsize=8192)
def _vat_numbers(text: str, allow_bare_belgian: bool) -> tuple[Found, ...]:
    upper = text.upper()
    found: list[Found] = []
    position = 0
    # A manual scan rather than finditer: a match may swallow the start of the next number
    # ("NL004495445B01 FR40...") and only the validated part of it is consumed.
    while (match := _VAT_RE.search(upper, position)) is not None:
        result = _trimmed_vat(match[1], match[2])
        if result is None:
            position = match.start() + 1
            continue
        value, length = result
        found.append(Found(value, match.start(), match.start(2) + length))
        position = match.start(2) + length
    if allow_bare_belgian:
        for match in _BARE_BE_VAT_RE.finditer(upper):
            if any(f.start <= match.start() < f.end for f in found):
                continue
            digits = re.sub(r"[ .]", "", match[1])
            if be_vat.is_valid(digits):
                found.append(Found("BE" + be_vat.compact(digits), match.start(), match.end()))
    found.sort(key=lambda f: f.start)
    return tuple(found)


def find_ibans(text: str) -> list[Found]:
    """IBANs with a valid checksum and country format, compact and upper case."""
    return list(_ibans(text))


@lru_cache(maxsize=8192)
def _ibans(text: str) -> tuple[Found, ...]:
    upper = text.upper()
    found: list[Found] = []
    position = 0
    while (match := _IBAN_RE.search(upper, position)) is not None:
        raw = match[1]
        position = match.start() + 1
        # Trim trailing groups that belong to the next word ("... 7034 BIC").
        for end in range(len(raw), 14, -1):
            if raw[end - 1] == " ":
                continue
            iban = None
            for reading in _iban_readings(raw[:end]):
                try:
                    iban = IBAN(reading)
                    break
                except SchwiftyException:
                    continue
            if iban is None:
                continue
            found.append(Found(iban.compact, match.start(), match.start() + end))
            position = match.start() + end
            break
    return tuple(found)


def is_valid_bic(value: str) -> bool:
    try:
        BIC(value)
    except SchwiftyException:
        return False
    return True


def find_bics(text: str) -> list[Found]:
    """Structurally valid BICs (8 or 11 characters, known country)."""
    found = []
    for match in _BIC_RE.finditer(text.upper()):
        if is_valid_bic(match[1]):
            found.append(Found(BIC(match[1]).compact, match.start(), match.end()))
    return found


def bic_of_iban(iban: str) -> str | None:
    """The BIC of the bank that holds `iban`, from schwifty's bank registry (None when the
    bank is not in it)."""
    try:
        bic = IBAN(iban).bic
    except SchwiftyException:
        return None
    return bic.compact if bic is not None else None


def _ogm_candidates(text: str, *, allow_bare: bool) -> Iterator[Found]:
    for match in _OGM_RE.finditer(text.upper()):
        digits = (match[2] + match[3] + match[4]).translate(_DIGIT_LOOKALIKES)
        if ogm_vcs.is_valid(digits):
            yield Found(f"+++{ogm_vcs.format(digits)}+++", match.start(), match.end())
    if allow_bare:
        for match in _BARE_OGM_RE.finditer(text):
            digits = match[1] + match[2] + match[3]
            if ogm_vcs.is_valid(digits):
                yield Found(f"+++{ogm_vcs.format(digits)}+++", match.start(), match.end())


def find_payment_references(text: str, *, allow_bare_ogm: bool = False) -> list[Found]:
    """Belgian structured communications (+++ddd/dddd/ddddd+++ or ***...***; twelve bare
    digits only when the text is labelled as a payment reference) and RF references."""
    found = list(_ogm_candidates(text, allow_bare=allow_bare_ogm))
    upper = text.upper()
    for match in _RF_RE.finditer(upper):
        raw = match[1]
        for end in range(len(raw), 4, -1):
            if raw[end - 1] == " ":
                continue
            if iso11649.is_valid(raw[:end]):
                found.append(Found(iso11649.compact(raw[:end]), match.start(), match.start() + end))
                break
    unique: dict[str, Found] = {}
    for item in sorted(found, key=lambda f: f.start):
        unique.setdefault(item.value, item)
    return list(unique.values())
