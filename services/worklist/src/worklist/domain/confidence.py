"""How sure the platform is that a proposal is right (seed 003's stars): recognition's own
confidence, lowered by what enrichment had to guess. A full star from 90 %, a half one from
80 %, a grey one below."""

from decimal import Decimal
from typing import Literal

from worklist.domain.matching import MatchedBy

ConfidenceLevel = Literal["full", "half", "grey"]

# What each way of finding the counterparty leaves of the confidence; None: a new counterparty.
MATCH_FACTOR: dict[MatchedBy | None, Decimal] = {
    "vat": Decimal("1"),
    "iban": Decimal("0.97"),
    "name": Decimal("0.92"),
    None: Decimal("0.85"),
}
SUSPENSE_FACTOR = Decimal("0.85")  # lines that nothing better was known for
OUTSIDE_PERIOD_FACTOR = Decimal("0.9")  # no open period holds the invoice date


def confidence(
    recognition: float, matched_by: MatchedBy | None, on_suspense: bool, date_in_period: bool
) -> Decimal:
    value = Decimal(str(round(recognition, 3))) * MATCH_FACTOR[matched_by]
    if on_suspense:
        value *= SUSPENSE_FACTOR
    if not date_in_period:
        value *= OUTSIDE_PERIOD_FACTOR
    return min(value, Decimal(1)).quantize(Decimal("0.001"))


def level(value: Decimal | None) -> ConfidenceLevel:
    if value is None:
        return "grey"
    if value >= Decimal("0.9"):
        return "full"
    if value >= Decimal("0.8"):
        return "half"
    return "grey"
