"""Beancount plugin: a booking entered into a closed booking period is an error.

Beancount has no booking periods of its own, so the ledger declares them as
`custom "ledgerline-period" "2026-01" 2026-01-01 2026-01-31 "open"` directives, each dated on the
day the period's state changed (`... "closed"` dated on the closing day). Every transaction the
platform writes carries `entered-on` (the day it was entered) and `period`. A transaction whose
period was closed on or before its `entered-on` day is refused with a `ClosedPeriodError`, so
`bean-check` and the loader report it like any other Beancount error. Bookings entered before the
period closed stay valid. A transaction without `entered-on` counts as entered on its own date.

Enable with `plugin "sync.connectors.beancount_ledger.periods"` in the ledger's main file.
"""

from collections import defaultdict
from datetime import date
from typing import Any, NamedTuple

from beancount.core import data

__plugins__ = ("refuse_closed_periods",)

PERIOD = "ledgerline-period"


class ClosedPeriodError(NamedTuple):
    source: Any
    message: str
    entry: Any


def refuse_closed_periods(
    entries: list[data.Directive], options_map: dict[str, Any]
) -> tuple[list[data.Directive], list[ClosedPeriodError]]:
    changes: dict[str, list[tuple[date, str]]] = defaultdict(list)
    bounds: dict[str, tuple[date, date]] = {}
    for entry in entries:
        if isinstance(entry, data.Custom) and entry.type == PERIOD:
            code, start, end, status = (value.value for value in entry.values)
            changes[code].append((entry.date, status))
            bounds[code] = (start, end)
    for history in changes.values():
        history.sort()
    errors = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        code = entry.meta.get("period")
        if code is None:
            code = next((c for c, (s, e) in bounds.items() if s <= entry.date <= e), None)
        if code is None or code not in changes:
            continue
        entered = entry.meta.get("entered-on", entry.date)
        state = None
        closed_on = None
        for changed_on, status in changes[code]:
            if changed_on <= entered:
                state = status
                closed_on = changed_on if status == "closed" else None
        if state == "closed":
            errors.append(
                ClosedPeriodError(
                    entry.meta,
                    f"Booking period {code} is closed (since {closed_on}): "
                    f"transaction of {entry.date} entered on {entered} refused",
                    entry,
                )
            )
    return entries, errors
