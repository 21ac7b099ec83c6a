"""Approval rules: create, change, delete; every change a new version and a line in the audit
trail. A rule names only the dossier's users as approvers and its books' suppliers, and a
dossier has at most one active fallback rule."""

from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.auth import DossierScope
from ledgerline.db import UnitOfWork
from uuid_utils.compat import uuid7

from approvals.adapters import repository, rulebook
from approvals.adapters.rulebook import RuleKind
from approvals.domain.rules import names_added, unknown_approvers, unknown_suppliers
from approvals.service_layer.audit import audit_by_caller
from approvals.service_layer.errors import Conflict, Invalid, NotFound
from approvals.service_layer.records import jsonable, supplier_of


def _snapshot(row: asyncpg.Record) -> dict[str, Any]:
    return jsonable({key: value for key, value in dict(row).items() if key != "created_at"})


async def _check_fallback(
    conn: asyncpg.Connection, scope: DossierScope, values: dict[str, Any], rule_id: UUID | None
) -> None:
    if values.get("is_fallback") and values.get("active", True):
        other = await rulebook.other_active_fallback(
            conn, scope.office_id, scope.dossier_id, rule_id
        )
        if other is not None:
            raise Conflict(
                f"the dossier already has an active fallback rule ({other}); "
                "deactivate it first or make this one an ordinary rule"
            )


async def _locked_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID
) -> asyncpg.Record:
    row = await rulebook.get_rule(
        uow.conn, kind, scope.office_id, scope.dossier_id, rule_id, lock=True
    )
    if row is None:
        raise NotFound(f"{kind} approval rule {rule_id} not found")
    return row


async def _record_change(
    uow: UnitOfWork,
    scope: DossierScope,
    kind: RuleKind,
    row: asyncpg.Record,
    *,
    before: asyncpg.Record | None = None,
    deleted: bool = False,
) -> None:
    """Every change of a rule is a new version (the snapshot approvals refer to) and a line in
    the audit trail; a deleted rule's row is its last version, shown nowhere after."""
    await rulebook.insert_rule_version(
        uow.conn,
        kind=kind,
        office_id=scope.office_id,
        dossier_id=scope.dossier_id,
        rule_id=row["id"],
        version=row["version"],
        snapshot=_snapshot(row),
        created_by=scope.principal.subject,
    )
    await audit_by_caller(
        uow,
        scope,
        action="rule deleted" if deleted else "rule changed" if before else "rule created",
        entity=f"{kind}_rule",
        entity_id=row["id"],
        before=None if before is None else _snapshot(before),
        after=None if deleted else _snapshot(row),
    )


async def _check_names(
    conn: asyncpg.Connection,
    scope: DossierScope,
    kind: RuleKind,
    values: dict[str, Any],
    before: asyncpg.Record | None = None,
) -> None:
    """A rule names only users of the dossier as approvers (sync's dossier.users-changed.v1)
    and, for invoices, only suppliers of the dossier's books (ledger.synced.v1); a change checks
    only what it adds (`names_added`)."""
    approvers, numbers, vats = names_added(kind, values, before)
    if not approvers and not numbers and not vats:
        return
    users = [row["subject"] for row in await repository.dossier_users(conn, *_dossier(scope))]
    strangers = unknown_approvers(users, approvers)
    if strangers:
        raise Invalid(
            "unknown approver "
            + ", ".join(strangers)
            + ": an approver must be a user of the dossier"
            + ("" if users else " (the dossier has no users yet)")
        )
    if not numbers and not vats:
        return
    known = [supplier_of(row) for row in await repository.suppliers(conn, *_dossier(scope))]
    unknown = unknown_suppliers(known, numbers, vats)
    if unknown:
        raise Invalid(
            "unknown supplier "
            + ", ".join(unknown)
            + ": not a supplier of the dossier's books (by counterparty number or VAT number)"
            + ("" if known else "; no suppliers were synchronised for the dossier yet")
        )


def _dossier(scope: DossierScope) -> tuple[UUID, UUID]:
    return scope.office_id, scope.dossier_id


async def create_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, values: dict[str, Any]
) -> asyncpg.Record:
    await _check_names(uow.conn, scope, kind, values)
    if kind == "invoice":
        await _check_fallback(uow.conn, scope, values, None)
    row = await rulebook.insert_rule(
        uow.conn,
        kind,
        {"id": uuid7(), "office_id": scope.office_id, "dossier_id": scope.dossier_id} | values,
    )
    await _record_change(uow, scope, kind, row)
    return row


async def update_rule(
    uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID, values: dict[str, Any]
) -> asyncpg.Record:
    before = await _locked_rule(uow, scope, kind, rule_id)
    await _check_names(uow.conn, scope, kind, values, before)
    if kind == "invoice":
        await _check_fallback(uow.conn, scope, values, rule_id)
    row = await rulebook.update_rule(uow.conn, kind, rule_id, values)
    await _record_change(uow, scope, kind, row, before=before)
    return row


async def delete_rule(uow: UnitOfWork, scope: DossierScope, kind: RuleKind, rule_id: UUID) -> None:
    before = await _locked_rule(uow, scope, kind, rule_id)
    row = await rulebook.delete_rule(uow.conn, kind, rule_id)
    await _record_change(uow, scope, kind, row, before=before, deleted=True)
