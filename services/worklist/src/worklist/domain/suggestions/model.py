"""The learnt suggestion of a detail line's GL account and VAT code: the k most similar lines of
the dossier's posted history (TF-IDF cosine over description words, counterparty, amount band
and VAT rate) vote for their (GL account, VAT code), each with its similarity. Explainable: the
suggestion names the past bookings it came from."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from worklist.domain.suggestions.calibration import Calibrator
from worklist.domain.suggestions.features import line_tokens
from worklist.domain.suggestions.history import PastBooking, PastLine
from worklist.domain.suggestions.tfidf import TfidfIndex

NEIGHBOURS = 5
# Below this cosine similarity even the nearest past line is not much alike: the raw score is
# damped in proportion (calibration then maps it to what such scores turned out to be worth).
ALIKE = 0.5


@dataclass(frozen=True)
class LineQuery:
    """A line to book: what the invoice says of it."""

    description: str | None
    amount_excl_vat: Decimal
    vat_rate: Decimal | None = None


@dataclass(frozen=True)
class Evidence:
    """A past line that voted for the suggestion."""

    booking_id: str
    booked_on: date
    description: str | None
    similarity: float


@dataclass(frozen=True)
class LineSuggestion:
    gl_account: str
    vat_code: str | None
    confidence: float  # calibrated, 0..1
    raw_score: float  # the neighbours' agreement, before calibration
    evidence: tuple[Evidence, ...]  # most similar first


@dataclass(frozen=True)
class _Example:
    booking_id: str
    booked_on: date
    line: PastLine


def _selective(token: str) -> bool:
    return token.startswith(("w:", "cp:"))


class LineModel:
    """One dossier's model, learnt one posted booking at a time (in the order they were posted)."""

    def __init__(self, neighbours: int = NEIGHBOURS) -> None:
        self._neighbours = neighbours
        self._index = TfidfIndex(candidate_tokens=_selective)
        self._examples: list[_Example] = []
        self.calibrator = Calibrator()
        self.bookings_learnt = 0

    def suggest(self, counterparty_number: str | None, query: LineQuery) -> LineSuggestion | None:
        tokens = line_tokens(
            counterparty_number, query.description, query.amount_excl_vat, query.vat_rate
        )
        neighbours = self._index.nearest(tokens, self._neighbours)
        if not neighbours:
            return None
        votes: dict[tuple[str, str | None], float] = defaultdict(float)
        for doc_id, similarity in neighbours:
            votes[self._examples[doc_id].line.codes] += similarity
        total = sum(votes.values())
        if not total:
            return None
        (gl_account, vat_code), weight = max(votes.items(), key=lambda vote: vote[1])
        # Agreement among the neighbours, damped when even the nearest is not much alike.
        raw = (weight / total) * min(1.0, neighbours[0][1] / ALIKE)
        evidence = tuple(
            Evidence(example.booking_id, example.booked_on, example.line.description, similarity)
            for doc_id, similarity in neighbours
            if (example := self._examples[doc_id]).line.codes == (gl_account, vat_code)
        )
        return LineSuggestion(gl_account, vat_code, self.calibrator.confidence(raw), raw, evidence)

    def suggest_lines(
        self, counterparty_number: str | None, queries: Sequence[LineQuery]
    ) -> list[LineSuggestion | None]:
        return [self.suggest(counterparty_number, query) for query in queries]

    def learn(
        self,
        booking: PastBooking,
        suggestions: Sequence[LineSuggestion | None] | None = None,
    ) -> None:
        """Adds a posted booking. Its lines are first suggested from the history before it (or
        `suggestions`, when the caller already did) to calibrate the confidence."""
        if suggestions is None:
            suggestions = self.suggest_lines(
                booking.counterparty_number, [query_of(line) for line in booking.lines]
            )
        for line, suggestion in zip(booking.lines, suggestions, strict=True):
            if suggestion is not None:
                self.calibrator.record(suggestion.raw_score, suggestion_is_right(suggestion, line))
        for line in booking.lines:
            self._index.add(
                line_tokens(
                    booking.counterparty_number,
                    line.description,
                    line.amount_excl_vat,
                    line.vat_rate,
                )
            )
            self._examples.append(_Example(booking.booking_id, booking.booked_on, line))
        self.bookings_learnt += 1


def query_of(line: PastLine) -> LineQuery:
    return LineQuery(line.description, line.amount_excl_vat, line.vat_rate)


def suggestion_is_right(suggestion: LineSuggestion, line: PastLine) -> bool:
    return (suggestion.gl_account, suggestion.vat_code) == line.codes
