"""Payment approvals: one per payment.approval-requested.v1, under the dossier's active rules."""

from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, PaymentApprovalRequested
from uuid_utils.compat import uuid7

from approvals.adapters import repository, rulebook
from approvals.domain.rules import ApprovalStatus, approver_limits, payment_requirement
from approvals.service_layer.audit import SYSTEM
from approvals.service_layer.records import jsonable, payment_rule, requirement_json


async def on_payment_approval_requested(
    uow: UnitOfWork, event: Envelope[PaymentApprovalRequested]
) -> None:
    conn = uow.conn
    data = event.data
    rules = [
        payment_rule(row)
        for row in await rulebook.lock_rules(conn, "payment", event.officeid, event.dossierid)
    ]
    requirement = payment_requirement(rules, data.amount)
    blocked = requirement.blocked_reason is not None
    details = jsonable(data.model_dump())
    row = await repository.insert_approval(
        conn,
        {
            "id": uuid7(),
            "office_id": event.officeid,
            "dossier_id": event.dossierid,
            "kind": "payment",
            "subject_id": data.payment_id,
            "status": (ApprovalStatus.BLOCKED if blocked else ApprovalStatus.PENDING).value,
            "amount": data.amount,
            "counterparty": data.creditor_name,
            "details": details,
            "requirement": requirement_json(requirement),
            "limits": jsonable(approver_limits(rules)),
            "blocked_reason": requirement.blocked_reason,
        },
    )
    if row is None:
        return
    await repository.audit(
        conn,
        office_id=event.officeid,
        dossier_id=event.dossierid,
        actor=SYSTEM,
        action="cannot be approved" if blocked else "approval requested",
        entity="payment",
        entity_id=data.payment_id,
        after=requirement_json(requirement) | {"payment": details},
        reason=requirement.blocked_reason,
    )
