"""Deleting a booking the platform posted (seed 003, "Boeking verwijderen": bookings of the
platform's journals are deleted on the platform, never by hand in the package). Pure: what a
request to delete does given the posting's status in sync, which answers of an external
connector change the posting, and what a deletion changed in the books.

- Only a booking sync posted can be deleted: the posting must be `posted`. A proposal still on
  its way to the books (`requested`, `connector_unavailable`) is a conflict; a proposal sync
  never posted (none, or `failed`) has no booking.
- Twice is once: a deleted booking asked again answers the deletion; a deletion still waiting for
  its external connector is not asked again.
- In-process dossiers are deleted at once through the connector (`delete`); Kafka-connected ones
  get booking.delete-requested.v1 (`request`) and their connector answers booking.deleted.v1 or
  booking.delete-failed.v1.
"""

from typing import Literal

from sync.connectors.contract import LedgerSnapshot
from sync.domain.kafka_connector import Route

DeletionAction = Literal["delete", "request", "answer_deleted", "pending"]

# The posting statuses a deletion adds to posted / failed / requested / connector_unavailable.
DELETE_REQUESTED = "delete_requested"
DELETED = "deleted"


class NotDeletable(Exception):
    """The booking cannot be deleted: `status` is the HTTP status that says why (404, 409)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def deletion_action(proposal_id: object, status: str | None, route: Route) -> DeletionAction:
    """What a request to delete the booking of a proposal does, given its posting's status."""
    if status == "posted":
        return "delete" if route == "in_process" else "request"
    if status == DELETED:
        return "answer_deleted"
    if status == DELETE_REQUESTED:
        return "pending"
    if status in ("requested", "connector_unavailable"):
        raise NotDeletable(
            409,
            f"proposal {proposal_id} is on its way to the books ({status}); delete its booking "
            "once it is posted",
        )
    raise NotDeletable(404, f"proposal {proposal_id} has no booking posted through the platform")


def deleted_answer_applies(
    status: str | None, current: tuple[str | None, str | None], answer: tuple[str, str]
) -> bool:
    """A connector's booking.deleted.v1 makes the posting `deleted` when it names the booking
    sync knows (journal, document number): a late answer about an earlier booking of the same
    proposal, posted again since, changes nothing."""
    return status in ("posted", DELETE_REQUESTED) and current == answer


def delete_failed_applies(
    status: str | None, current: tuple[str | None, str | None], answer: tuple[str, str]
) -> bool:
    """A connector's booking.delete-failed.v1 puts a waiting deletion back to `posted`."""
    return status == DELETE_REQUESTED and current == answer


def deletion_delta(snapshot: LedgerSnapshot, journal: str) -> LedgerSnapshot:
    """What a deletion changed in the books, read from the snapshot taken after it: the
    journal (its next number). The open item goes as a removal (`journal/document number`)
    beside it in the ledger.synced.v1 delta."""
    return LedgerSnapshot(
        dossier_code=snapshot.dossier_code,
        read_at=snapshot.read_at,
        up_to_date_until=snapshot.up_to_date_until,
        journals=tuple(j for j in snapshot.journals if j.code == journal),
    )
