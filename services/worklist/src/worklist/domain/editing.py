"""Changes the office makes to a proposal: validated against the dossier's ledger data, then
applied, with the VAT of unlocked lines recomputed. A sent or booked proposal is not changed."""

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

from worklist.domain.booking import Booking
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine, recompute
from worklist.domain.statuses import REREADABLE, STATUS_LABELS
from worklist.domain.suggestions.templates import Template


class NotEditable(Exception):
    """The proposal's state does not allow the change (409)."""


class InvalidReference(ValueError):
    """A GL account, VAT code, journal, period or counterparty the dossier does not know, or a
    closed period (422); the message names it."""


def ensure_open(booking: Booking) -> None:
    if booking.stage != "open":
        raise NotEditable(f"proposal {booking.id} is {booking.stage} and can no longer be changed")


def ensure_rereadable(proposal_id: object, status: str) -> None:
    """Only a proposal recognition could not read (OCR, Empty, Nok) is read again; any other
    holds what the office or recognition already settled (409)."""
    if status not in REREADABLE:
        raise NotEditable(
            f"proposal {proposal_id} is {STATUS_LABELS[status]}: only OCR, Empty or Nok "
            "proposals can be read again"
        )


def check_journal(ledger: LedgerData, code: str) -> None:
    if ledger.journals and ledger.journal(code) is None:
        raise InvalidReference(f"journal {code} is unknown to the dossier")


def check_period(ledger: LedgerData, code: str) -> None:
    if not ledger.periods:
        return
    period = ledger.period(code)
    if period is None:
        raise InvalidReference(f"period {code} is unknown to the dossier")
    if period.status != "open":
        raise InvalidReference(f"period {code} is closed")


def check_lines(ledger: LedgerData, lines: Sequence[DetailLine]) -> None:
    for number, line in enumerate(lines, start=1):
        account = ledger.account(line.gl_account)
        if ledger.accounts and (account is None or not account.active):
            raise InvalidReference(
                f"line {number}: GL account {line.gl_account} is unknown to the dossier"
            )
        if (
            line.vat_code is not None
            and ledger.vat_codes
            and ledger.vat_code(line.vat_code) is None
        ):
            raise InvalidReference(
                f"line {number}: VAT code {line.vat_code} is unknown to the dossier"
            )


HEADER_FIELDS = {
    "invoice_number",
    "invoice_date",
    "due_date",
    "currency",
    "exchange_rate",
    "total_excl_vat",
    "total_vat",
    "total_incl_vat",
    "payment_reference",
    "financial_discount",
    "labels",
    "booking_instruction",
    "counterparty_name",
    "counterparty_vat",
}


def apply_changes(booking: Booking, changes: Mapping[str, Any], ledger: LedgerData) -> Booking:
    """`changes` holds only the fields the caller sent; each is checked before any is applied."""
    ensure_open(booking)
    updated: dict[str, Any] = {key: value for key, value in changes.items() if key in HEADER_FIELDS}
    if "labels" in updated:
        updated["labels"] = tuple(updated["labels"] or ())
    if changes.get("journal") is not None:
        check_journal(ledger, changes["journal"])
        updated["journal"] = changes["journal"]
    if changes.get("period") is not None:
        check_period(ledger, changes["period"])
        updated["period"] = changes["period"]
    if "counterparty_number" in changes:
        number = changes["counterparty_number"]
        if number is None:
            updated["counterparty_number"] = None
        else:
            party = ledger.counterparty(number)
            if party is None:
                raise InvalidReference(f"counterparty {number} is unknown to the dossier")
            updated |= {
                "counterparty_number": party.number,
                "counterparty_name": party.name,
                "counterparty_vat": party.vat_number,
            }
    elif "counterparty_name" in updated or "counterparty_vat" in updated:
        updated["counterparty_number"] = None  # typed in by hand: a new counterparty
    if "lines" in changes and changes["lines"] is not None:
        lines = tuple(changes["lines"])
        check_lines(ledger, lines)
        updated["lines"] = tuple(recompute(lines, ledger))
        updated["lines_source"] = "manual"
    changed = replace(booking, **updated)
    if "counterparty_number" in updated and changed.auto_status in ("ok", "ok_new"):
        changed = replace(
            changed, auto_status="ok" if changed.counterparty_number is not None else "ok_new"
        )
    return changed


def ensure_templatable(booking: Booking) -> None:
    """Whether a template can fill `booking`'s lines: it is open (409), and it has a counterparty
    (the templates are the counterparty's) and a total excluding VAT to split (422)."""
    ensure_open(booking)
    if booking.counterparty_number is None:
        raise InvalidReference(
            f"proposal {booking.id} has no counterparty: templates are a counterparty's"
        )
    if booking.total_excl_vat is None:
        raise InvalidReference(f"proposal {booking.id} has no total excluding VAT to split")


def apply_template(booking: Booking, template: Template, ledger: LedgerData) -> Booking:
    """The proposal's detail lines become the template's, its total excluding VAT split by the
    template's shares (the lines add up to it exactly); VAT from the VAT codes as an edit of the
    lines computes it."""
    ensure_templatable(booking)
    assert booking.total_excl_vat is not None  # checked by ensure_templatable
    lines = tuple(
        DetailLine(
            gl_account=filled.gl_account,
            amount_excl_vat=filled.amount_excl_vat,
            vat_code=filled.vat_code,
            vat_amount=Decimal("0.00"),
        )
        for filled in template.fill(booking.total_excl_vat)
    )
    check_lines(ledger, lines)
    return replace(booking, lines=tuple(recompute(lines, ledger)), lines_source="template")
