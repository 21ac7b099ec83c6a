"""A dossier's booking history as the suggestions learn from it: posted bookings only."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True)
class PastLine:
    gl_account: str
    vat_code: str | None
    amount_excl_vat: Decimal
    description: str | None = None
    # The line's VAT rate in percent, when the booking said it (it is on the invoice, so a new
    # invoice's line has it too before anyone chose a VAT code).
    vat_rate: Decimal | None = None

    @property
    def codes(self) -> tuple[str, str | None]:
        return (self.gl_account, self.vat_code)


@dataclass(frozen=True)
class PastBooking:
    """One posted booking of a dossier: who, when, and its detail lines."""

    booking_id: str
    counterparty_number: str | None
    booked_on: date
    lines: tuple[PastLine, ...]

    @property
    def total_excl_vat(self) -> Decimal:
        return sum((line.amount_excl_vat for line in self.lines), Decimal(0))
