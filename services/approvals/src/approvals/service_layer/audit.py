"""Who the audit trail names, and its line for what the caller did in the dossier."""

from typing import Any
from uuid import UUID

from ledgerline.auth import DossierScope
from ledgerline.db import UnitOfWork

from approvals.adapters import repository

# Who the audit trail names for what the service decides by itself.
SYSTEM = "approvals"


async def audit_by_caller(
    uow: UnitOfWork,
    scope: DossierScope,
    *,
    action: str,
    entity: str,
    entity_id: UUID,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
) -> None:
    """The audit trail's line for what the caller did in the dossier."""
    await repository.audit(
        uow.conn,
        office_id=scope.office_id,
        dossier_id=scope.dossier_id,
        actor=scope.principal.subject,
        action=action,
        entity=entity,
        entity_id=entity_id,
        before=before,
        after=after,
        reason=reason,
    )
