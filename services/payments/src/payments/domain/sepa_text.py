"""Conversion of free text to the SEPA basic Latin character set.

EPC credit transfer files only guarantee `a-z A-Z 0-9 / - ? : ( ) . , ' +` and space. Names and
texts are transliterated (é→e, ß→ss, & → +); every change is returned so that a caller can show
the user exactly what the bank will receive instead of what was typed.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from operator import itemgetter
from typing import NamedTuple

SEPA_CHARACTERS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ "
)

# One regex search in C decides whether a text needs any work; nearly all texts do not, and this
# check runs for every name and text of a 100,000-payment batch.
_OUTSIDE_SEPA = re.compile(r"[^a-zA-Z0-9/\-?:().,'+ ]")
find_outside_sepa = _OUTSIDE_SEPA.search
"""`find_outside_sepa(text)` is None when `text` needs no conversion (the quickest check)."""

# Characters that NFKD does not decompose into basic Latin, spelled the way the EPC conversion
# practice does (ß→ss, æ→ae, ø→o ...), and punctuation mapped to the nearest allowed sign.
# Anything found neither here nor through NFKD is dropped (and reported).
_REPLACEMENTS: dict[str, str] = {
    "ß": "ss",
    "ẞ": "SS",
    "Æ": "AE",
    "æ": "ae",
    "Œ": "OE",
    "œ": "oe",
    "Ø": "O",
    "ø": "o",
    "Đ": "D",
    "đ": "d",
    "Ð": "D",
    "ð": "d",
    "Þ": "TH",
    "þ": "th",
    "Ł": "L",
    "ł": "l",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "ĸ": "k",
    "Ŋ": "N",
    "ŋ": "n",
    "Ŧ": "T",
    "ŧ": "t",
    "&": "+",
    "@": "(at)",
    "€": "EUR",
    "_": "-",
    "~": "-",
    "=": "-",
    "‐": "-",
    "‑": "-",
    "‒": "-",
    "–": "-",
    "—": "-",
    "−": "-",
    '"': "'",
    "`": "'",
    "´": "'",
    "‘": "'",
    "’": "'",
    "‚": "'",
    "‛": "'",
    "“": "'",
    "”": "'",
    "„": "'",
    "«": "'",
    "»": "'",
    "‹": "'",
    "›": "'",
    "[": "(",
    "]": ")",
    "{": "(",
    "}": ")",
    "<": "(",
    ">": ")",
    ";": ",",
    "!": ".",
    "*": ".",
    "\\": "/",
    "|": "/",
    "⁄": "/",
    "\t": " ",
    "\n": " ",
    "\r": " ",
}


class TextConversion(NamedTuple):
    """One field whose text was changed to fit the SEPA character set.

    A NamedTuple rather than a frozen dataclass: one is made per changed field, up to one per
    payment, and a frozen dataclass takes several times longer to construct.
    """

    field: str
    original: str
    converted: str
    # Distinct (character, replacement) pairs in order of appearance; "" means dropped.
    replacements: tuple[tuple[str, str], ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "field": self.field,
            "original": self.original,
            "converted": self.converted,
            "replacements": [{"from": old, "to": new} for old, new in self.replacements],
        }


def is_sepa_text(text: str) -> bool:
    """True when `text` only uses the SEPA basic Latin character set."""
    return _OUTSIDE_SEPA.search(text) is None


def _replace_character(character: str) -> str:
    if character in SEPA_CHARACTERS:
        return character
    if character in _REPLACEMENTS:
        return _REPLACEMENTS[character]
    pieces: list[str] = []
    for part in unicodedata.normalize("NFKD", character):
        if part in SEPA_CHARACTERS:
            pieces.append(part)
        elif unicodedata.combining(part):
            continue  # the accent of é, ü, ç ...: dropping it leaves the base letter
        elif part in _REPLACEMENTS:
            pieces.append(_REPLACEMENTS[part])
        elif part.isspace():
            pieces.append(" ")
    return "".join(pieces)


# Replacement of every character met so far that is outside the set (filled on first use).
_SEEN: dict[str, str] = {}
# One shared tuple per distinct replacement report: a batch has a handful of them (é→e, & → +)
# but up to one conversion per payment, and fewer live objects is less garbage-collector work.
# Bounded, since odd inputs could otherwise add combinations for the life of the process.
_REPORTS: dict[tuple[tuple[str, str], ...], tuple[tuple[str, str], ...]] = {}
_MAX_SHARED_REPORTS = 4096


# The (character, replacement) report of a text, by the characters outside the set found in it
# (in order, repeats included). A batch has a handful of such combinations; bounded.
_PLANS: dict[tuple[str, ...], tuple[tuple[str, str], ...]] = {}


def _plan(found: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    replacements: dict[str, str] = {}
    for character in found:
        replacement = _SEEN.get(character)
        if replacement is None:
            replacement = _SEEN[character] = _replace_character(character)
        replacements[character] = replacement
    report = tuple(replacements.items())
    shared = _REPORTS.get(report)
    if shared is None:
        if len(_REPORTS) < _MAX_SHARED_REPORTS:
            _REPORTS[report] = report
        shared = report
    if len(_PLANS) < _MAX_SHARED_REPORTS:
        _PLANS[found] = shared
    return shared


def _convert(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    # The regex engine finds the few characters to change; str.replace does the copying in C.
    # A replacement only holds characters of the set, so later replacements cannot touch it.
    found = tuple(_OUTSIDE_SEPA.findall(text))
    report = _PLANS.get(found) or _plan(found)
    converted = text
    for character, replacement in report:
        converted = converted.replace(character, replacement)
    return converted.strip(), report


_VISIBLE_SEPA = re.compile(r"[a-zA-Z0-9/\-?:().,'+]")


def surely_fits(text: str, max_length: int) -> bool:
    """True when `to_sepa(text)` is certainly not empty and at most `max_length` long.

    Cheaper than converting: counts how much the replacements can add. False only means "not
    sure", the caller converts to know.
    """
    if len(text) > max_length or _VISIBLE_SEPA.search(text) is None:
        return False  # a visible character of the set is kept, so the result is not empty
    room = max_length - len(text)
    for character in _OUTSIDE_SEPA.findall(text):
        replacement = _SEEN.get(character)
        if replacement is None:
            replacement = _SEEN[character] = _replace_character(character)
        room -= len(replacement) - 1
    return room >= 0


def convert_to_sepa(text: str) -> tuple[str, tuple[tuple[str, str], ...]]:
    """Return `text` in the SEPA character set and the (character, replacement) pairs used."""
    if _OUTSIDE_SEPA.search(text) is None:
        return text, ()
    return _convert(text)


def to_sepa(text: str) -> str:
    """Return `text` in the SEPA character set, without the report."""
    if _OUTSIDE_SEPA.search(text) is None:
        return text
    return _convert(text)[0]


@dataclass(frozen=True, slots=True)
class ConversionCounts:
    """Counts of the conversions of one file, for a summary that does not list each of them.

    `by_field`: field path without the payment index (`payments[].creditor.name`) → fields
    converted; `by_character`: (character, replacement) → fields in which it was replaced
    ("" as replacement: dropped). Both in order of first appearance.
    """

    total: int
    by_field: dict[str, int]
    by_character: dict[tuple[str, str], int]

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "by_field": dict(self.by_field),
            "by_character": [
                {"from": old, "to": new, "fields": count}
                for (old, new), count in self.by_character.items()
            ],
        }


# One converted field: (payment index or -1, field path within the payment or the file, the
# text as given, as converted, replacements). A plain tuple: up to one is made per payment, and
# the path with its index and the `TextConversion` are only put together when shown.
ConversionRecord = tuple[int, str, str, str, tuple[tuple[str, str], ...]]


def _conversion(record: ConversionRecord) -> TextConversion:
    index, field_path, original, converted, replacements = record
    path = field_path if index < 0 else f"payments[{index}].{field_path}"
    return TextConversion(path, original, converted, replacements)


def _field_kind(record: ConversionRecord) -> str:
    return record[1] if record[0] < 0 else f"payments[].{record[1]}"


@dataclass(frozen=True, slots=True)
class ConversionLog:
    """The conversions of one file, in input order (fields outside the payments first)."""

    records: tuple[ConversionRecord, ...] = ()

    def __len__(self) -> int:
        return len(self.records)

    def conversions(self) -> tuple[TextConversion, ...]:
        return tuple(map(_conversion, self.records))

    def examples(
        self, per_field: int, by_field: dict[str, int] | None = None
    ) -> list[TextConversion]:
        """The first `per_field` conversions of each field (`payments[].creditor.name` ...).

        `by_field`: `self.by_field()` if the caller has it already.
        """
        counts = self.by_field() if by_field is None else by_field
        wanted = {kind: min(count, per_field) for kind, count in counts.items()}
        missing = sum(wanted.values())
        examples: list[TextConversion] = []
        for record in self.records:
            if not missing:
                break
            kind = _field_kind(record)
            if wanted[kind]:
                wanted[kind] -= 1
                missing -= 1
                examples.append(_conversion(record))
        return examples

    def by_field(self) -> dict[str, int]:
        records = self.records
        # Counted by (outside the payments, path) in C, then named: one record per payment.
        outside = map((0).__gt__, map(itemgetter(0), records))  # index < 0
        counted = Counter(zip(outside, map(itemgetter(1), records), strict=True))
        kinds: dict[str, int] = {}
        for (unindexed, path), count in counted.items():
            kind = path if unindexed else f"payments[].{path}"
            kinds[kind] = kinds.get(kind, 0) + count
        return kinds

    def counts(self) -> ConversionCounts:
        by_character: dict[tuple[str, str], int] = {}
        # Reports are shared tuples (see `_REPORTS`): a handful of distinct ones per batch.
        for report, count in Counter(map(itemgetter(4), self.records)).items():
            for pair in report:
                by_character[pair] = by_character.get(pair, 0) + count
        return ConversionCounts(len(self.records), self.by_field(), by_character)


@dataclass(slots=True)
class SepaTextConverter:
    """Converts the texts of one file and remembers every change with its field path.

    The path is `payments[index].field` (or `field` without an index); it is only put together
    when the conversion is shown, since a batch can have one per payment.
    """

    records: list[ConversionRecord] = field(default_factory=list)

    def convert(self, text: str, field_path: str, index: int | None = None) -> str:
        if _OUTSIDE_SEPA.search(text) is None:
            return text
        return self.convert_changed(text, field_path, index)

    def convert_changed(self, text: str, field_path: str, index: int | None = None) -> str:
        """`convert` for a text the caller already found outside the set (`find_outside_sepa`)."""
        converted, replacements = _convert(text)
        self.records.append(
            (-1 if index is None else index, field_path, text, converted, replacements)
        )
        return converted

    def log(self) -> ConversionLog:
        """Conversions in input order: unindexed fields first, then by index (stable)."""
        return ConversionLog(tuple(sorted(self.records, key=itemgetter(0))))

    def report(self) -> tuple[TextConversion, ...]:
        return self.log().conversions()
