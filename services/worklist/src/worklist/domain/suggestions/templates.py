"""Templates (seed 003, "sjablonen"): after three bookings for a counterparty, its detail lines
are proposed from how it was booked before. Bookings of one counterparty booked the same way
(the same GL account and VAT code per line) make one template; bookings booked differently
make several, listed most used first.

A template keeps each line's share of the total as the median over its bookings: the shares are
part of the template, not of what makes two bookings "the same way", because a monthly energy
bill's consumption and network lines change in proportion every month and would otherwise never
make a template."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from statistics import median

from worklist.domain.suggestions.history import PastBooking

MIN_BOOKINGS = 3
MAX_TEMPLATES = 5
# Templates come from the counterparty's most recent bookings: how it was booked three years ago
# says less than how it is booked now, and the work stays small for a weekly supplier.
WINDOW = 36
CENT = Decimal("0.01")

Pattern = tuple[tuple[str, str], ...]  # (GL account, VAT code or "") per line


@dataclass(frozen=True)
class TemplateLine:
    gl_account: str
    vat_code: str | None
    share: Decimal  # of the total excluding VAT, 0..1


@dataclass(frozen=True)
class FilledLine:
    gl_account: str
    vat_code: str | None
    amount_excl_vat: Decimal


@dataclass(frozen=True)
class Template:
    lines: tuple[TemplateLine, ...]
    uses: int
    last_used: date
    booking_ids: tuple[str, ...]  # the bookings it was made from, most recent first

    @property
    def pattern(self) -> Pattern:
        return tuple((line.gl_account, line.vat_code or "") for line in self.lines)

    def fill(self, total_excl_vat: Decimal) -> tuple[FilledLine, ...]:
        """The template's lines for a new total: each line its share, rounded to the cent; the
        largest line takes the rounding difference so that the lines add up to the total."""
        amounts = [
            (total_excl_vat * line.share).quantize(CENT, ROUND_HALF_EVEN) for line in self.lines
        ]
        largest = max(range(len(amounts)), key=lambda index: self.lines[index].share)
        amounts[largest] += total_excl_vat.quantize(CENT, ROUND_HALF_EVEN) - sum(amounts)
        return tuple(
            FilledLine(line.gl_account, line.vat_code, amount)
            for line, amount in zip(self.lines, amounts, strict=True)
        )


def pattern_of(booking: PastBooking) -> Pattern:
    """How a booking was booked: its (GL account, VAT code) per line, in a canonical order."""
    return tuple(sorted((line.gl_account, line.vat_code or "") for line in booking.lines))


def templates_for(
    bookings: Iterable[PastBooking],
    *,
    min_bookings: int = MIN_BOOKINGS,
    limit: int = MAX_TEMPLATES,
    window: int = WINDOW,
) -> list[Template]:
    """The templates of one counterparty's posted bookings (in the order they were posted); none
    before `min_bookings`."""
    history = [booking for booking in bookings if booking.lines][-window:]
    if len(history) < min_bookings:
        return []
    groups: dict[Pattern, list[PastBooking]] = defaultdict(list)
    for booking in history:
        groups[pattern_of(booking)].append(booking)
    templates = [_template(pattern, group) for pattern, group in groups.items()]
    templates.sort(key=lambda template: (template.uses, template.last_used), reverse=True)
    return templates[:limit]


def _template(pattern: Pattern, group: list[PastBooking]) -> Template:
    group = sorted(group, key=lambda booking: booking.booked_on, reverse=True)
    shares: list[list[Decimal]] = [[] for _ in pattern]
    for booking in group:
        total = booking.total_excl_vat
        amounts = _amounts_in_pattern_order(booking, pattern)
        for index, amount in enumerate(amounts):
            shares[index].append(amount / total if total else Decimal(1) / len(pattern))
    medians = [Decimal(median(values)) for values in shares]
    scale = sum(medians) or Decimal(1)
    lines = tuple(
        TemplateLine(gl, vat or None, (share / scale).quantize(Decimal("0.0001")))
        for (gl, vat), share in zip(pattern, medians, strict=True)
    )
    return Template(
        lines=lines,
        uses=len(group),
        last_used=group[0].booked_on,
        booking_ids=tuple(booking.booking_id for booking in group),
    )


def _amounts_in_pattern_order(booking: PastBooking, pattern: Pattern) -> list[Decimal]:
    remaining = list(booking.lines)
    amounts = []
    for gl, vat in pattern:
        line = next(
            line for line in remaining if (line.gl_account, line.vat_code or "") == (gl, vat)
        )
        remaining.remove(line)
        amounts.append(line.amount_excl_vat)
    return amounts
