"""Publishing a proposal's change of status (proposal.status-changed.v1) through the outbox, in
the transaction that changes it."""

from datetime import UTC, datetime
from uuid import UUID

from ledgerline.db import UnitOfWork
from ledgerline.events.catalog import ProposalChangeReason

from worklist.domain.status_events import status_changed


def publish_status_change(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    *,
    proposal_id: UUID,
    document_id: UUID,
    old_status: str | None,
    new_status: str,
    reason: ProposalChangeReason,
    changed_by: str | None = None,
    message: str | None = None,
) -> None:
    event = status_changed(
        proposal_id=proposal_id,
        document_id=document_id,
        old_status=old_status,
        new_status=new_status,
        reason=reason,
        at=datetime.now(UTC),
        changed_by=changed_by,
        message=message,
    )
    if event is not None:
        uow.emit(
            event,
            dossier_id=dossier_id,
            office_id=office_id,
            subject=f"proposals/{proposal_id}",
        )
