"""Deciding approvals: approve or reject one or several, all or nothing."""

from collections.abc import Sequence
from uuid import UUID

from ledgerline.auth import DossierScope, Role
from ledgerline.db import UnitOfWork

from approvals.adapters import repository
from approvals.adapters.repository import ApprovalKind
from approvals.domain.rules import AlreadyDecided, ApprovalStatus, NotYours
from approvals.service_layer.announcements import (
    announce_approved,
    announce_rejected,
    announce_waiting,
)
from approvals.service_layer.audit import audit_by_caller
from approvals.service_layer.errors import NotFound
from approvals.service_layer.records import StoredApproval, with_decisions

ADMINISTRATORS = frozenset({Role.CLIENT_ADMINISTRATOR, Role.ADMIN})


async def decide(
    uow: UnitOfWork,
    scope: DossierScope,
    kind: ApprovalKind,
    subject_ids: Sequence[UUID],
    *,
    approve: bool,
    reason: str | None,
) -> list[StoredApproval]:
    """Approve or reject each of `subject_ids` as the caller; all or nothing: the first one the
    caller may not decide raises, and nothing is written."""
    conn = uow.conn
    caller = scope.principal.subject
    unique = list(dict.fromkeys(subject_ids))
    rows = await repository.lock_approvals(conn, kind, scope.office_id, scope.dossier_id, unique)
    found = {row["subject_id"]: row for row in rows}
    missing = [str(subject_id) for subject_id in unique if subject_id not in found]
    if missing:
        raise NotFound(f"no {kind} approval for " + ", ".join(missing))
    stored = {item.row["subject_id"]: item for item in await with_decisions(conn, rows)}
    for subject_id in unique:
        item = stored[subject_id]
        label = f"{kind} {subject_id}"
        try:
            if approve:
                after = item.approval.approve(caller)
            else:
                item.approval.check_may_reject(
                    caller, administrator=scope.principal.role in ADMINISTRATORS
                )
                after = None
        except (NotYours, AlreadyDecided) as exc:
            raise type(exc)(f"{label}: {exc}") from exc
        decision = "approved" if approve else "rejected"
        if not await repository.insert_decision(conn, item.row["id"], caller, decision, reason):
            raise AlreadyDecided(f"{label}: {caller} decided it already")
        new_status = after.status if after is not None else ApprovalStatus.REJECTED
        row = item.row
        if new_status is not ApprovalStatus.PENDING:
            row = await repository.set_approval_status(conn, row["id"], new_status.value, reason)
        await audit_by_caller(
            uow,
            scope,
            action=decision if new_status is not ApprovalStatus.PENDING else "approved (partly)",
            entity=kind,
            entity_id=subject_id,
            before={"status": item.row["status"], "approved_by": sorted(item.approval.approved_by)},
            after={
                "status": new_status.value,
                "approved_by": sorted(after.approved_by if after else item.approval.approved_by),
                "waiting_for": sorted(after.waiting_for() if after else ()),
            },
            reason=reason,
        )
        if new_status is ApprovalStatus.APPROVED and after is not None:
            announce_approved(uow, row, after, item, caller)
        elif new_status is ApprovalStatus.PENDING and after is not None and kind == "invoice":
            announce_waiting(uow, row, after)
        elif new_status is ApprovalStatus.REJECTED:
            announce_rejected(uow, row, caller, reason)
    # Read back, so the answer shows every decision as stored.
    final = await repository.lock_approvals(conn, kind, scope.office_id, scope.dossier_id, unique)
    by_subject = {item.row["subject_id"]: item for item in await with_decisions(conn, final)}
    return [by_subject[subject_id] for subject_id in unique]
