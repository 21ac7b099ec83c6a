"""What others are told when a proposal's status changes (proposal.status-changed.v1), so they
can follow the worklist (the active clients monitor counts checked, on hold and help asked).

One event per change of status, none when an action leaves the status as it was (checking a
proposal that was checked already, editing a comment)."""

from datetime import datetime
from uuid import UUID

from ledgerline.events import ProposalStatusChanged
from ledgerline.events.catalog import ProposalChangeReason

# What an office action on a proposal is called in the event.
ACTION_REASONS: dict[str, ProposalChangeReason] = {
    "check": "checked",
    "hold": "held",
    "release": "released",
    "help": "help_asked",
}


def status_changed(
    *,
    proposal_id: UUID,
    document_id: UUID,
    old_status: str | None,
    new_status: str,
    reason: ProposalChangeReason,
    at: datetime,
    changed_by: str | None = None,
    message: str | None = None,
) -> ProposalStatusChanged | None:
    """The event of the change, or None when the status stayed the same."""
    if old_status == new_status:
        return None
    return ProposalStatusChanged(
        proposal_id=proposal_id,
        document_id=document_id,
        old_status=old_status,  # type: ignore[arg-type]
        new_status=new_status,  # type: ignore[arg-type]
        reason=reason,
        message=message,
        changed_by=changed_by,
        changed_at=at,
    )
