"""The approval audit trail: of a dossier, an invoice or a payment; JSON or CSV."""

import csv
import io
import json
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request, Response
from ledgerline.service import CurrentRuntime

from approvals.adapters import repository
from approvals.adapters.repository import ApprovalKind
from approvals.entrypoints.access import ReaderScope
from approvals.entrypoints.decisions import KINDS
from approvals.entrypoints.schemas import AUDIT_CSV_EXAMPLE, AuditRecord

router = APIRouter()

AUDIT_DOC = (
    "Append-only: every approval, rejection, rule change and process switch, with who, when, "
    "what, before and after, and the reason. `Accept: text/csv` gives it as CSV."
)
CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The audit trail, oldest first: JSON, or CSV with `Accept: text/csv`",
        "content": {"text/csv": {"schema": {"type": "string"}, "example": AUDIT_CSV_EXAMPLE}},
    }
}


def _audit_response(request: Request, rows: list[Any], filename: str) -> Any:
    records = [AuditRecord.model_validate(dict(row)) for row in rows]
    if "text/csv" not in request.headers.get("accept", ""):
        return records
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["id", "at", "actor", "action", "entity", "entity_id", "before", "after", "reason"]
    )
    for record in records:
        writer.writerow(
            [
                record.id,
                record.at.isoformat(),
                record.actor,
                record.action,
                record.entity,
                record.entity_id,
                "" if record.before is None else json.dumps(record.before, sort_keys=True),
                "" if record.after is None else json.dumps(record.after, sort_keys=True),
                record.reason or "",
            ]
        )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
    )


@router.get(
    "/dossiers/{dossier_id}/audit-trail",
    response_model=list[AuditRecord],
    tags=["audit trail"],
    summary="The dossier's approval audit trail",
    description=AUDIT_DOC,
    responses=CSV_RESPONSE,
)
async def dossier_audit_trail(request: Request, runtime: CurrentRuntime, scope: ReaderScope) -> Any:
    async with runtime.pool.acquire() as connection:
        rows = await repository.audit_trail(connection, scope.office_id, scope.dossier_id)
    return _audit_response(request, rows, f"audit-trail-{scope.dossier_id}")


def _audit_routes(plural: str, kind: ApprovalKind) -> None:
    noun = "an invoice (by its document id)" if kind == "invoice" else "a payment"

    @router.get(
        f"/dossiers/{{dossier_id}}/{plural}/{{subject_id}}/audit-trail",
        response_model=list[AuditRecord],
        tags=["audit trail"],
        summary=f"The audit trail of {noun}",
        description=AUDIT_DOC + " Empty when nothing was recorded for it.",
        responses=CSV_RESPONSE,
        name=f"{kind}_audit_trail",
    )
    async def audit_trail(
        subject_id: UUID, request: Request, runtime: CurrentRuntime, scope: ReaderScope
    ) -> Any:
        async with runtime.pool.acquire() as connection:
            rows = await repository.audit_trail(
                connection, scope.office_id, scope.dossier_id, kind, subject_id
            )
        return _audit_response(request, rows, f"audit-trail-{kind}-{subject_id}")


for _plural, _kind in KINDS.items():
    _audit_routes(_plural, _kind)
