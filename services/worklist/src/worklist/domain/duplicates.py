"""The seed's "! Ok": a similar invoice was already registered (in the books' open items or the
worklist's history) or is already in the worklist. Similar: the same counterparty and invoice
number, or the same counterparty, total and invoice date."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from worklist.domain.ledger import compact


@dataclass(frozen=True)
class Registered:
    counterparty_number: str | None
    counterparty_vat: str | None
    invoice_number: str | None
    invoice_date: date | None
    total_incl_vat: Decimal | None
    where: str  # for the warning: "open item CFAAN/26000012" or "proposal <id>"


def _same_counterparty(a: Registered, b: Registered) -> bool:
    if a.counterparty_number and a.counterparty_number == b.counterparty_number:
        return True
    vat = compact(a.counterparty_vat)
    return vat is not None and vat == compact(b.counterparty_vat)


def _number(value: str | None) -> str | None:
    return "".join(value.split()).casefold() if value else None


def number_digits(value: str | None) -> str | None:
    """The ASCII digits of an invoice number, for the database to narrow the lookup: two numbers
    equal without spaces or case have the same digits (folding case or dropping whitespace never
    adds, removes or changes an ASCII digit), so the rows whose digits match hold every row
    `find_duplicate` can match on the number. None when the invoice has no number to compare."""
    number = _number(value)
    if not number:
        return None
    return "".join(character for character in number if "0" <= character <= "9")


def find_duplicate(candidate: Registered, registered: Iterable[Registered]) -> Registered | None:
    for other in registered:
        if not _same_counterparty(candidate, other):
            continue
        number = _number(candidate.invoice_number)
        if number and number == _number(other.invoice_number):
            return other
        if (
            candidate.total_incl_vat is not None
            and other.total_incl_vat is not None
            and candidate.invoice_date is not None
            and abs(candidate.total_incl_vat) == abs(other.total_incl_vat)
            and candidate.invoice_date == other.invoice_date
        ):
            return other
    return None
