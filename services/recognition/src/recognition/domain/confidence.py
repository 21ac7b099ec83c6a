"""When a read document may be booked without review: the confidence thresholds.

Measured on the real development set (`make bench`, reliability table): fields the text
extractor reports at 0.90 or more were right 98-99 % of the time, fields below 0.70 about
70 %. A document is therefore `ok` only when every mandatory field is at or above
`MANDATORY_THRESHOLD` and no other field it reports is below `OTHER_THRESHOLD`; otherwise it
goes to review (`nok`) with the fields named, so that a wrong value with a low score is
never booked silently. Values read from structured XML (confidence 1.0) always pass.
"""

from collections.abc import Mapping, Sequence
from typing import Final

__all__ = ["MANDATORY_THRESHOLD", "OTHER_THRESHOLD", "review"]

MANDATORY_THRESHOLD: Final = 0.9
OTHER_THRESHOLD: Final = 0.6
# Not booked from the recognition (the customer is the dossier itself; the BIC follows
# from the IBAN): never a reason for review.
_NOT_REVIEWED: Final = frozenset({"customer_name", "bic", "document_type"})


def review(
    confidences: Mapping[str, float],
    values: Mapping[str, object],
    mandatory: Sequence[str],
) -> tuple[str, str | None]:
    """("ok", None) when the confidences allow booking, else ("nok", the reason)."""
    doubtful = [name for name in mandatory if confidences.get(name, 0.0) < MANDATORY_THRESHOLD] + [
        name
        for name, value in values.items()
        if name not in mandatory
        and name not in _NOT_REVIEWED
        and value is not None
        and confidences.get(name, 0.0) < OTHER_THRESHOLD
    ]
    if not doubtful:
        return "ok", None
    return "nok", "to be checked, read with low confidence: " + ", ".join(doubtful)
