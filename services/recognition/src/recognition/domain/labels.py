"""The words invoices put before their values, in Dutch, French, German and English.

The vocabulary is data, in `labels.toml` beside this module (one regular expression per
label, with its role and weight); this module compiles and applies it. Patterns match folded text (lower case, no accents, "n°" as "no"). Words inside a label may
be run together: OCR drops spaces ("avantle", "Soldto"). Each pattern belongs to a
role and has a weight: 1.0 for an unambiguous label ("factuurnummer", "date d'échéance"),
less for a generic one ("datum", "total", "nr") that only counts when nothing better is
found. Roles that are never extracted (order references, customer numbers, delivery dates,
contact details) are listed too: recognising "Klantnummer" as a label stops its value from
being taken as the invoice number, and "Leveringsdatum" from being the invoice date.

`find_label_hits` finds the labels of one cell; the value of a label is the text after it
up to the next label in the cell ("Datum: 14/03/2026 Nr: 2026-17" holds two pairs).
"""

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from recognition.domain.amounts_dates import fold
from recognition.domain.layout import Cell, Word

__all__ = ["LabelHit", "find_label_hits", "is_credit_word", "starts_with_label"]

_NO = r"(?:nummer|number|numero|nr|no|num|#)\.?"

LABELS_FILE: Final = Path(__file__).with_name("labels.toml")
"""The vocabulary, as data: one regular expression per label, with its role and weight."""


def _load_vocabulary() -> tuple[list[tuple[str, float, bool, str]], list[tuple[str, float, str]]]:
    """(role, weight, start_only, pattern) per label and (role, weight, literal) per fuzzy
    label, from `labels.toml`."""
    with LABELS_FILE.open("rb") as handle:
        data = tomllib.load(handle)
    vocabulary = [
        (
            str(entry["role"]),
            float(entry["weight"]),
            bool(entry.get("start_only", False)),
            str(entry["pattern"]).replace("{NO}", _NO),
        )
        for entry in data["label"]
    ]
    fuzzy = [
        (role, 0.85, str(literal))
        for role, literals in data["fuzzy"].items()
        for literal in literals
    ]
    return vocabulary, fuzzy


_VOCABULARY, _FUZZY_LABELS = _load_vocabulary()


# A label is a word of its own: not inside a word, nor inside an identifier joined with
# underscores ("invoice_number_1" is a value).
_BOUNDED = r"(?<![a-z0-9_])(?:{})(?![a-z0-9_])"


def _compile() -> tuple[re.Pattern[str], list[tuple[re.Pattern[str], str, float, bool]]]:
    """One alternation to find where labels start, and each pattern on its own to pick the
    longest label at that position ("factuurdatum" rather than "factuur", "invoice to"
    rather than "invoice"): Python's alternation takes the first match, not the longest."""
    combined = re.compile(_BOUNDED.format("|".join(p for _, _, _, p in _VOCABULARY)))
    single = [
        (re.compile(_BOUNDED.format(pattern)), role, weight, start_only)
        for role, weight, start_only, pattern in _VOCABULARY
    ]
    return combined, single


_LABELS, _SINGLE = _compile()
_LEADING_JUNK: Final = re.compile(r"^[\s:;=#.\-–*|]+")


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b is at most `limit` (banded, stops early)."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        low = max(1, i - limit)
        high = min(len(b), i + limit)
        if low > 1:
            current[low - 1] = limit + 1
        for j in range(low, high + 1):
            cost = 0 if ca == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
        for j in range(high + 1, len(b) + 1):
            current[j] = limit + 1
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def _fuzzy_label(folded: str) -> tuple[str, float, int] | None:
    """A misread label at the start of `folded`: role, weight and where it ends. Spaces are
    ignored in the comparison, since OCR both drops ("Soldto") and adds ("Fact uur") them."""
    for role, weight, literal in _FUZZY_LABELS:
        if folded[:1] != literal[:1] and folded[1:2] != literal[1:2]:
            continue
        target = literal.replace(" ", "")
        limit = 1 if len(target) < 11 else 2
        for length in range(len(literal) - 2, len(literal) + 3):
            prefix = folded[:length]
            if len(prefix) < length or (length < len(folded) and folded[length].isalnum()):
                continue
            squeezed = prefix.replace(" ", "")
            # Both ends must be read right: misreadings are inside words, and a word that
            # merely starts like a label ("facturen") ends differently.
            if squeezed[-1:] == target[-1:] and _within(squeezed, target, limit):
                return role, weight, length
    return None


@dataclass(slots=True)
class LabelHit:
    """A label found in a cell, with the text that follows it in that cell."""

    role: str
    weight: float
    cell: Cell
    start: int
    end: int
    at_start: bool
    inline: str
    is_last: bool = True

    @property
    def owns_cell(self) -> bool:
        """The cell is just this label (its value must be in another cell)."""
        return self.at_start and self.inline == ""


def find_label_hits(cell: Cell) -> list[LabelHit]:
    """Labels in `cell`, left to right, each with its inline value text."""
    folded = cell.folded
    hits: list[LabelHit] = []
    position = 0
    while (found := _LABELS.search(folded, position)) is not None:
        start = found.start()
        best: tuple[int, float, str, bool] | None = None
        for pattern, role, weight, start_only in _SINGLE:
            match = pattern.match(folded, start)
            if match is None:
                continue
            key = (match.end(), weight, role, start_only)
            if best is None or key[:2] > best[:2]:
                best = key
        if best is None:  # cannot happen: the combined pattern matched one of them
            position = start + 1
            continue
        end, weight, role, start_only = best
        position = max(end, start + 1)
        at_start = folded[:start].strip(" :-#*|.") == ""
        if start_only and not at_start:
            continue
        hits.append(LabelHit(role, weight, cell, start, end, at_start, inline=""))
    if cell.confidence < 1.0 and not (hits and hits[0].at_start) and len(cell.words) <= 8:
        # OCR only: a label with a misread letter.
        fuzzy = _fuzzy_label(folded)
        if fuzzy is not None:
            role, weight, end = fuzzy
            hits.insert(0, LabelHit(role, weight, cell, 0, end, True, inline=""))
            hits = [hits[0], *(h for h in hits[1:] if h.start >= end)]
    for index, hit in enumerate(hits):
        following = hits[index + 1].start if index + 1 < len(hits) else len(cell.text)
        hit.inline = _LEADING_JUNK.sub("", cell.text[hit.end : following]).strip()
        hit.is_last = index + 1 == len(hits)
    return hits


def starts_with_label(text: str) -> bool:
    """Whether a piece of text (not necessarily a whole cell) opens with a label."""
    cell = Cell([Word(text, 0, 0, 1, 1, 0, 1)], 0, 0).finish()
    hits = find_label_hits(cell)
    return bool(hits) and hits[0].at_start


_CREDIT_WORDS: Final = re.compile(
    r"credit\s*nota|creditfactuur|credit\s*note|credit\s*memo|note\s+de\s+credit|avoir|gutschrift"
)


def is_credit_word(text: str) -> bool:
    """Whether `text` names a credit note ("Creditnota", "Note de crédit", "Avoir")."""
    return _CREDIT_WORDS.search(fold(text)) is not None
