"""Recognition results per document."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import DELIVERERS, DossierScope, dossier_scope
from ledgerline.service import CurrentRuntime

from recognition.adapters import repository
from recognition.domain.result_view import RecognitionResult, result_view

router = APIRouter(tags=["recognition"])


@router.get(
    "/dossiers/{dossier_id}/recognitions/{document_id}",
    response_model=RecognitionResult,
    summary="What was recognised in a document",
    description="Status, source, confidence, every invoice field (null when not found), "
    "per-field confidence and lines: the same shape as `recognition extract FILE` prints.",
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
