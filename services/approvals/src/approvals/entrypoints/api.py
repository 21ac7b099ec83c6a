"""Invoice approval rules per dossier."""

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.money import Money
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, Field

router = APIRouter(tags=["approval rules"])

RULE_EDITORS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR}
COLUMNS = "id, dossier_id, name, supplier_vats, labels, amount_from, approvers, is_fallback, active, created_at"


class RuleInput(BaseModel):
    name: SingleLine = Field(min_length=1, max_length=120)
    supplier_vats: list[SingleLine] = Field(default=[], description="None: every supplier")
    labels: list[SingleLine] = Field(default=[], description="None: every label")
    amount_from: Money | None = None
    approvers: list[SingleLine] = Field(min_length=1, description="Subjects who must approve")
    is_fallback: bool = Field(default=False, description="Applies to invoices no rule matches")


class Rule(BaseModel):
    id: UUID
    dossier_id: UUID
    name: str
    supplier_vats: list[str]
    labels: list[str]
    amount_from: Decimal | None
    approvers: list[str]
    is_fallback: bool
    active: bool
    created_at: datetime


@router.post(
    "/dossiers/{dossier_id}/invoice-approval-rules",
    status_code=status.HTTP_201_CREATED,
    response_model=Rule,
    summary="Add an invoice approval rule",
)
async def add_rule(
    rule: RuleInput,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*RULE_EDITORS)],
) -> Rule:
    async with runtime.unit_of_work() as uow:
        row = await uow.conn.fetchrow(
            f"""
            INSERT INTO invoice_approval_rules (id, office_id, dossier_id, name, supplier_vats, labels,
                                                amount_from, approvers, is_fallback)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING {COLUMNS}
            """,
            uuid4(),
            scope.office_id,
            scope.dossier_id,
            rule.name,
            rule.supplier_vats,
            rule.labels,
            rule.amount_from,
            rule.approvers,
            rule.is_fallback,
        )
    return Rule.model_validate(dict(row))


@router.get(
    "/dossiers/{dossier_id}/invoice-approval-rules",
    response_model=list[Rule],
    summary="The dossier's invoice approval rules",
)
async def list_rules(
    runtime: CurrentRuntime, scope: Annotated[DossierScope, dossier_scope(*RULE_EDITORS)]
) -> list[Rule]:
    async with runtime.pool.acquire() as connection:
        rows = await connection.fetch(
            f"SELECT {COLUMNS} FROM invoice_approval_rules WHERE office_id = $1 AND dossier_id = $2 "
            "ORDER BY created_at",
            scope.office_id,
            scope.dossier_id,
        )
    return [Rule.model_validate(dict(row)) for row in rows]
