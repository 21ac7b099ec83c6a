"""Every warning a proposal shows, recomputed after each change."""

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine
from worklist.domain.warnings import (
    Warning,
    lines_total_warning,
    period_warnings,
    sequence_warning,
)


def review(
    *,
    ledger: LedgerData,
    invoice_date: date | None,
    period: str | None,
    lines: Sequence[DetailLine],
    total_incl_vat: Decimal | None,
    duplicate_of: str | None,
    sales_invoice_number: str | None = None,
    earlier_sales_numbers: Sequence[str] = (),
    sales_sequence_check: bool = True,
) -> list[Warning]:
    """`sales_sequence_check` is the dossier's setting: the seed's "sales invoice number out of
    sequence" warning applies unless the dossier switched the check off."""
    found = period_warnings(invoice_date, ledger.period(period))
    if (differs := lines_total_warning(lines, total_incl_vat)) is not None:
        found.append(differs)
    if duplicate_of is not None:
        found.append(
            Warning(
                "possible_duplicate",
                f"a similar invoice is already registered ({duplicate_of}): possible duplicate",
            )
        )
    if sales_sequence_check and (
        order := sequence_warning(sales_invoice_number, earlier_sales_numbers)
    ):
        found.append(order)
    return found
