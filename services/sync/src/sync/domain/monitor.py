"""The active clients monitor (seed 003, "Actieve klanten monitor"): per dossier, where its
documents are, kept from events; and the dossier's sync status.

Each document has one state, moved by the events about it. Events of different topics (and
keys) may arrive in any order, so a change only moves a document forward, or back when it is
newer than what moved it last: a document already in the worklist stays there when its late
`document.received` arrives, and a booking refused before a later successful posting does not
undo the posting.

Worklist statuses (to validate, checked, on hold, help asked) come from the worklist's
`proposal.status-changed.v1`; `PROPOSAL_STATUS_EVENTS` maps the proposal's new status to the
monitor's (`change_for_status`). A proposal deleted from the worklist takes its document out of
every count. Sent and booked are not taken from it: `proposal.validated.v1` and
`booking.posted.v1` / `booking.failed.v1` move the document on, and `booking.deleted.v1` takes
a posted one back to the worklist.
"""

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Literal

Stage = Literal["portal", "worklist", "validated", "posted", "deleted"]
WorklistStatus = Literal["to_validate", "checked", "on_hold", "help_asked"]
SyncStatus = Literal["ok", "failed_office_action", "failed_support"]

# The stage order: a document only moves forward, except a refused booking (back to worklist).
# A deleted proposal's document is out of the counts for good.
RANK: dict[Stage, int] = {"portal": 1, "worklist": 2, "validated": 3, "posted": 4, "deleted": 5}

# A proposal's status in proposal.status-changed.v1 (the worklist's codes) -> the monitor's.
PROPOSAL_STATUS_EVENTS: dict[str, WorklistStatus] = {
    "ok": "to_validate",
    "ok_new": "to_validate",
    "ok_duplicate": "to_validate",
    "ocr": "to_validate",
    "empty": "to_validate",
    "nok": "to_validate",
    "checked": "checked",
    "checked_suspense": "checked",
    "on_hold": "on_hold",
    "help_asked": "help_asked",
}


@dataclass(frozen=True)
class DocumentState:
    stage: Stage
    worklist_status: WorklistStatus | None = None
    received_at: datetime | None = None
    changed_at: datetime | None = None  # the time of the event that set the stage last
    posted_at: datetime | None = None
    failed: bool = False
    failed_retryable: bool = False
    failure_reason: str | None = None


@dataclass(frozen=True)
class Received:
    at: datetime


@dataclass(frozen=True)
class Submitted:
    at: datetime


@dataclass(frozen=True)
class StatusSet:
    """The worklist set a proposal's status (checked, on hold, help asked, or back)."""

    status: WorklistStatus
    at: datetime


@dataclass(frozen=True)
class Deleted:
    """The worklist deleted the document's proposal (by the office, or the document was deleted
    in its mailbox)."""

    at: datetime


@dataclass(frozen=True)
class Validated:
    at: datetime


@dataclass(frozen=True)
class Posted:
    at: datetime


@dataclass(frozen=True)
class Failed:
    at: datetime
    reason: str
    retryable: bool


@dataclass(frozen=True)
class Unbooked:
    """The document's booking was deleted from the books (booking.deleted.v1): its proposal is
    in the worklist again, to validate."""

    at: datetime


Change = Received | Submitted | StatusSet | Deleted | Validated | Posted | Failed | Unbooked


def change_for_status(new_status: str, at: datetime) -> Change | None:
    """What a proposal.status-changed.v1 to `new_status` does to its document; None for sent
    and booked (their own events move it)."""
    if new_status == "deleted":
        return Deleted(at)
    status = PROPOSAL_STATUS_EVENTS.get(new_status)
    return None if status is None else StatusSet(status, at)


def _newer(state: DocumentState, at: datetime) -> bool:
    return state.changed_at is None or at >= state.changed_at


def apply(state: DocumentState | None, change: Change) -> DocumentState:
    """The document's state after the change (a pure function of both)."""
    if state is None:
        # Seen first through any event: the document was at least in the portal.
        state = DocumentState(stage="portal")
    match change:
        case Received(at=at):
            return replace(
                state,
                received_at=min(at, state.received_at) if state.received_at else at,
                changed_at=state.changed_at or at,
            )
        case Submitted(at=at):
            if RANK[state.stage] >= RANK["worklist"]:
                return state
            return replace(state, stage="worklist", worklist_status="to_validate", changed_at=at)
        case StatusSet(status=status, at=at):
            if RANK[state.stage] > RANK["worklist"] or not _newer(state, at):
                return state
            return replace(state, stage="worklist", worklist_status=status, changed_at=at)
        case Deleted(at=at):
            if RANK[state.stage] > RANK["worklist"]:
                return state  # sent or booked: the worklist keeps those
            # A refused booking that is deleted is no longer the office's to fix.
            return replace(
                state,
                stage="deleted",
                worklist_status=None,
                changed_at=at,
                failed=False,
                failed_retryable=False,
                failure_reason=None,
            )
        case Validated(at=at):
            if state.stage in ("posted", "deleted") or not _newer(state, at):
                return state
            # Validated again after a refusal: the refusal is handled, the posting is pending.
            return replace(
                state,
                stage="validated",
                worklist_status=None,
                changed_at=at,
                failed=False,
                failed_retryable=False,
                failure_reason=None,
            )
        case Posted(at=at):
            return replace(
                state,
                stage="posted",
                worklist_status=None,
                posted_at=state.posted_at or at,
                changed_at=at if _newer(state, at) else state.changed_at,
                failed=False,
                failed_retryable=False,
                failure_reason=None,
            )
        case Failed(at=at, reason=reason, retryable=retryable):
            if state.stage in ("posted", "deleted") or not _newer(state, at):
                return state
            # The proposal goes back to the worklist with the package's message.
            return replace(
                state,
                stage="worklist",
                worklist_status="to_validate",
                changed_at=at,
                failed=True,
                failed_retryable=retryable,
                failure_reason=reason,
            )
        case Unbooked(at=at):
            if state.stage != "posted" or not _newer(state, at):
                return state
            # Out of "bookings posted", back to "to validate" (the worklist unchecks it).
            return replace(
                state,
                stage="worklist",
                worklist_status="to_validate",
                posted_at=None,
                changed_at=at,
            )
    raise AssertionError(f"unknown change {change!r}")


def sync_status(
    *,
    failed_bookings: int,
    failed_bookings_retryable: int,
    postings_waiting_for_package: int,
    last_sync_failed: bool,
    failed_journalisings: int = 0,
    journalisings_waiting_for_package: int = 0,
) -> SyncStatus:
    """The seed's bar code: ok; failed tasks an office employee can fix (a booking the package
    refused, a sync that failed on the dossier's own settings, a payment that could not be
    journalised); or failed tasks that need support (the package cannot be reached: postings
    and payments wait and are retried)."""
    if postings_waiting_for_package or failed_bookings_retryable:
        return "failed_support"
    if journalisings_waiting_for_package:
        return "failed_support"
    if failed_bookings or last_sync_failed or failed_journalisings:
        return "failed_office_action"
    return "ok"


def oldest_open_period(periods: list[tuple[str, str]]) -> str | None:
    """The earliest period (`YYYY-MM`) whose status is open, from (code, status) pairs."""
    return min((code for code, status in periods if status == "open"), default=None)


@dataclass(frozen=True)
class MonitorRow:
    """One dossier's line in the monitor."""

    dossier_id: object
    name: str
    dossier_code: str
    accounting_package: str
    configuration: str
    documents_in_portal: int
    to_validate: int
    checked: int
    on_hold: int
    help_asked: int
    awaiting_posting: int
    bookings_posted: int
    failed_bookings: int
    oldest_document_at: datetime | None
    last_document_at: datetime | None
    oldest_open_period: str | None
    up_to_date_until: date | None
    sync_status: SyncStatus
    bookings_counter_reset_at: datetime | None
