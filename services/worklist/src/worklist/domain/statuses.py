"""The seed's validation codes of a proposal, and which of them may be sent.

A proposal's status follows from what recognition and enrichment found (`auto status`) and
what the office did with it (checked, on hold, help asked, sent, booked):

    booked > sent > on hold > help asked > checked (with suspense account) > auto status

The codes are stable identifiers for programs; `STATUS_LABELS` are the seed's words."""

from dataclasses import dataclass
from typing import Literal

Stage = Literal["open", "sent", "booked"]

STATUS_LABELS = {
    "ok": "Ok",
    "ok_new": "Ok-new",
    "ocr": "OCR",
    "empty": "Empty",
    "nok": "Nok",
    "checked": "Checked",
    "checked_suspense": "Checked with suspense account",
    "ok_duplicate": "! Ok",
    "on_hold": "On hold",
    "help_asked": "help asked",
    "sent": "sent",
    "booked": "booked",
}
STATUSES = tuple(STATUS_LABELS)
# "Sending is only possible for Ok / Checked proposals" (seed 003): a new counterparty is Ok
# too; a possible duplicate must be checked first.
SENDABLE = frozenset({"ok", "ok_new", "checked", "checked_suspense"})
# What recognition could not read (well): the office may ask for the document to be read again.
REREADABLE = frozenset({"ocr", "empty", "nok"})


def auto_status(recognition_status: str, counterparty_known: bool, possible_duplicate: bool) -> str:
    if recognition_status != "ok":
        return recognition_status  # ocr, empty or nok: to be completed by hand
    if possible_duplicate:
        return "ok_duplicate"
    return "ok" if counterparty_known else "ok_new"


@dataclass(frozen=True)
class ProposalState:
    auto_status: str
    checked: bool
    on_suspense: bool  # at least one line on the suspense account, or no lines at all
    on_hold: bool
    help_asked: bool
    stage: Stage


def status_of(state: ProposalState) -> str:
    if state.stage in ("sent", "booked"):
        return state.stage
    if state.on_hold:
        return "on_hold"
    if state.help_asked:
        return "help_asked"
    if state.checked:
        return "checked_suspense" if state.on_suspense else "checked"
    return state.auto_status
