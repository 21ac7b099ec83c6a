"""The warnings of the annotation screen (seed 003), each with a stable code and a message."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ledgerline.events import BookingPeriod

from worklist.domain.lines import DetailLine, lines_total

A_YEAR = 365


@dataclass(frozen=True)
class Warning:
    code: str
    message: str


def period_warnings(invoice_date: date | None, period: BookingPeriod | None) -> list[Warning]:
    if period is None:
        return []
    found = []
    if period.status == "closed":
        found.append(Warning("period_closed", f"period {period.code} is closed"))
    if invoice_date is None:
        return found
    if invoice_date > period.end:
        found.append(
            Warning(
                "invoice_date_after_period",
                f"the invoice date {invoice_date} is later than the chosen period {period.code}",
            )
        )
    elif invoice_date < period.start:
        found.append(
            Warning(
                "invoice_date_before_period",
                f"the invoice date {invoice_date} is before the chosen period {period.code}",
            )
        )
    off = max((period.start - invoice_date).days, (invoice_date - period.end).days)
    if off > A_YEAR:
        found.append(
            Warning(
                "invoice_date_year_outside_period",
                f"the invoice date {invoice_date} is more than 1 year outside the chosen "
                f"period {period.code}",
            )
        )
    return found


def lines_total_warning(
    lines: Sequence[DetailLine], total_incl_vat: Decimal | None
) -> Warning | None:
    """No lines is a booking "without detail" (on the suspense account): nothing to add up."""
    if not lines or total_incl_vat is None:
        return None
    total = lines_total(lines)
    if total == total_incl_vat:
        return None
    return Warning(
        "lines_total_differs",
        f"the detail lines add up to {total}, the invoice total is {total_incl_vat}",
    )


_NUMBERED = re.compile(r"^(.*?)(\d+)$")
# Longer numbers are not taken as numbered: their key would not fit a database index entry, and
# Python refuses to read an integer of more than 4,300 digits. Real invoice numbers are far shorter.
_LONGEST_NUMBERED = 200


@dataclass(frozen=True)
class SequenceNumber:
    """A sales invoice number as the sequence check reads it: `2026-0177` is the number 177
    (written with 4 digits) after the prefix `2026-`. The worklist stores the prefix and the
    number of every invoice number so that the highest one of a prefix is an indexed lookup."""

    prefix: str
    digits: str

    @property
    def number(self) -> int:
        return int(self.digits)


def sequence_number(invoice_number: str | None) -> SequenceNumber | None:
    """The invoice number's prefix and trailing number, or None when it does not end in digits
    (or is empty, or longer than any real invoice number)."""
    if not invoice_number:
        return None
    stripped = invoice_number.strip()
    if len(stripped) > _LONGEST_NUMBERED:
        return None
    found = _NUMBERED.match(stripped)
    return None if found is None else SequenceNumber(found.group(1), found.group(2))


def sequence_warning(invoice_number: str | None, earlier: Iterable[str]) -> Warning | None:
    """A sales invoice number should follow the highest one of the same prefix (`2026-0177`
    after `2026-0176`): a lower, repeated or skipping number is worth a look. Only the highest
    earlier number of the same prefix matters: `earlier` may hold just that one."""
    mine = sequence_number(invoice_number)
    if mine is None:
        return None
    same_prefix = [
        other_number.number
        for other in earlier
        if (other_number := sequence_number(other)) and other_number.prefix == mine.prefix
    ]
    if not same_prefix:
        return None
    highest = max(same_prefix)
    if mine.number == highest + 1:
        return None
    return Warning(
        "sales_number_out_of_sequence",
        f"sales invoice number {invoice_number} does not follow "
        f"{mine.prefix}{highest:0{len(mine.digits)}d}",
    )
