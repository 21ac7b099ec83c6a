"""Recognition results per document."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import DELIVERERS, DossierScope, dossier_scope
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from recognition.adapters import repository
from recognition.domain.result_view import RecognitionResult, result_view

router = APIRouter(tags=["recognition"])

RECOGNITION_EXAMPLE = {
    "status": "ok",
    "source": "ubl",
    "confidence": 1.0,
    "reason": None,
    "fields": {
        "document_type": "invoice",
        "supplier_name": "Meelhandel Janssens NV",
        "supplier_vat": "BE0403019261",
        "invoice_number": "2026-0042",
        "issue_date": "2026-11-30",
        "due_date": "2026-12-30",
        "currency": "EUR",
        "total_excl_vat": "1000.00",
        "total_vat": "210.00",
        "total_incl_vat": "1210.00",
        "iban": "BE71096123456769",
        "payment_reference": "+++010/8068/17183+++",
    },
    "field_confidence": {"invoice_number": 1.0, "total_incl_vat": 1.0},
    "lines": [],
    "vat_breakdown": [],
    "amount_due": "1210.00",
}


@router.get(
    "/dossiers/{dossier_id}/recognitions/{document_id}",
    response_model=RecognitionResult,
    summary="What was recognised in a document",
    description="Status, source, confidence, every invoice field (null when not found), "
    "per-field confidence and lines: the same shape as `recognition extract FILE` prints.",
    responses={
        200: {"content": {"application/json": {"example": RECOGNITION_EXAMPLE}}},
        404: error_response("The document is not (yet) recognised, or not in the dossier"),
    },
)
async def get_recognition(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DELIVERERS)],
) -> RecognitionResult:
    async with runtime.pool.acquire() as connection:
        result = await repository.get(connection, scope.office_id, scope.dossier_id, document_id)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recognition for document {document_id}")
    return result_view(result)
