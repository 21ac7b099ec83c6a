"""Recognition results per document."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import DELIVERERS, DossierScope, dossier_scope
from ledgerline.errors import error_response
from ledgerline.events import DocumentRecognized
from ledgerline.service import CurrentRuntime

from recognition.adapters import repository

router = APIRouter(tags=["recognition"])

RECOGNITION_EXAMPLE = {
    "document_id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "status": "ok",
    "source": "ubl",
    "confidence": 1.0,
    "field_confidence": {},
    "invoice": {
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
        }
    },
}


@router.get(
    "/dossiers/{dossier_id}/recognitions/{document_id}",
    response_model=DocumentRecognized,
    summary="What was recognised in a document",
    responses={
        200: {"content": {"application/json": {"example": RECOGNITION_EXAMPLE}}},
        404: error_response("The document is not (yet) recognised, or not in the dossier"),
    },
)
async def get_recognition(
    document_id: UUID,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*DELIVERERS)],
) -> DocumentRecognized:
    async with runtime.pool.acquire() as connection:
        result = await repository.get(connection, scope.office_id, scope.dossier_id, document_id)
    if result is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recognition for document {document_id}")
    return result
