"""The dossier's invoice approval process: switched on or off (not off while invoices wait)."""

from ledgerline.auth import DossierScope
from ledgerline.db import UnitOfWork
from ledgerline.events import InvoiceApprovalProcessSwitched

from approvals.adapters import repository
from approvals.service_layer.audit import audit_by_caller
from approvals.service_layer.errors import Conflict


async def switch_invoice_process(uow: UnitOfWork, scope: DossierScope, enabled: bool) -> bool:
    conn = uow.conn
    await repository.lock_invoice_process(conn, scope.office_id, scope.dossier_id)
    before = await repository.invoice_process_enabled(conn, scope.office_id, scope.dossier_id)
    if not enabled:
        pending = await repository.count_pending(conn, "invoice", scope.office_id, scope.dossier_id)
        if pending:
            raise Conflict(
                f"{pending} invoice approval{'s are' if pending != 1 else ' is'} pending; "
                "the process cannot be switched off until they are approved or rejected"
            )
    if before == enabled:
        return enabled
    await repository.set_invoice_process(
        conn, scope.office_id, scope.dossier_id, enabled, scope.principal.subject
    )
    # Ingest and payments keep the flag: while it is on, a purchase invoice awaits approval
    # from its arrival, before this service has even tested it against the rules.
    uow.emit(
        InvoiceApprovalProcessSwitched(enabled=enabled, switched_by=scope.principal.subject),
        dossier_id=scope.dossier_id,
        office_id=scope.office_id,
    )
    await audit_by_caller(
        uow,
        scope,
        action="process switched on" if enabled else "process switched off",
        entity="invoice_process",
        entity_id=scope.dossier_id,
        before={"enabled": before},
        after={"enabled": enabled},
    )
    return enabled
