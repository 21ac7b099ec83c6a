"""Conversions between the repository's rows and the domain: rules, requirements (as kept in
jsonb), approvals with their decisions, suppliers."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from pydantic_core import to_jsonable_python

from approvals.adapters import repository
from approvals.domain.rules import (
    Approval,
    ApprovalStatus,
    InvoiceRule,
    Limit,
    Option,
    PaymentRule,
    Requirement,
    RuleRef,
    Supplier,
)


def jsonable(value: Any) -> Any:
    """Rows and domain values as JSON for jsonb columns: decimals and ids as strings."""
    return to_jsonable_python(value)


def invoice_rule(row: asyncpg.Record) -> InvoiceRule:
    return InvoiceRule(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        approvers=tuple(row["approvers"]),
        supplier_vats=tuple(row["supplier_vats"]),
        supplier_numbers=tuple(row["supplier_numbers"]),
        labels=tuple(row["labels"]),
        amount_from=row["amount_from"],
        is_fallback=row["is_fallback"],
        active=row["active"],
    )


def payment_rule(row: asyncpg.Record) -> PaymentRule:
    return PaymentRule(
        id=row["id"],
        version=row["version"],
        name=row["name"],
        limits=tuple(
            Limit(
                limit["approver"],
                None if limit["max_amount"] is None else Decimal(limit["max_amount"]),
            )
            for limit in row["limits"]
        ),
        active=row["active"],
    )


def requirement_json(requirement: Requirement) -> dict[str, Any]:
    return {
        "options": [
            {
                "approvers": sorted(option.approvers),
                "rules": [
                    {"rule_id": str(ref.rule_id), "version": ref.version, "name": ref.name}
                    for ref in option.rules
                ],
            }
            for option in requirement.options
        ],
        "blocked_reason": requirement.blocked_reason,
    }


def requirement_of(data: dict[str, Any]) -> Requirement:
    return Requirement(
        options=tuple(
            Option(
                frozenset(option["approvers"]),
                tuple(
                    RuleRef(UUID(ref["rule_id"]), ref["version"], ref["name"])
                    for ref in option["rules"]
                ),
            )
            for option in data["options"]
        ),
        blocked_reason=data.get("blocked_reason"),
    )


@dataclass(frozen=True)
class StoredApproval:
    row: asyncpg.Record
    approval: Approval
    decisions: tuple[asyncpg.Record, ...]

    @property
    def rejected_by(self) -> str | None:
        return next((d["approver"] for d in self.decisions if d["decision"] == "rejected"), None)


def approval_of(row: asyncpg.Record, decided: Sequence[asyncpg.Record]) -> StoredApproval:
    limits = {
        approver: None if value is None else Decimal(value)
        for approver, value in row["limits"].items()
    }
    approval = Approval(
        status=ApprovalStatus(row["status"]),
        requirement=requirement_of(row["requirement"]),
        approved_by=frozenset(d["approver"] for d in decided if d["decision"] == "approved"),
        amount=row["amount"],
        limits=limits,
    )
    return StoredApproval(row, approval, tuple(decided))


async def with_decisions(
    conn: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> list[StoredApproval]:
    found = await repository.decisions(conn, [row["id"] for row in rows])
    by_approval: dict[UUID, list[asyncpg.Record]] = {}
    for decision in found:
        by_approval.setdefault(decision["approval_id"], []).append(decision)
    return [approval_of(row, by_approval.get(row["id"], [])) for row in rows]


def supplier_of(row: asyncpg.Record) -> Supplier:
    return Supplier(
        number=row["number"],
        name=row["name"],
        vat_number=row["vat_number"],
        ibans=tuple(row["ibans"]),
    )
