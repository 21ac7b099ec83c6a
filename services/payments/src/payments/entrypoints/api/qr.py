"""Payments by EPC QR code: the code to scan with a banking app, then marked paid."""

from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, Response, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from payments import service_layer
from payments.adapters import repository
from payments.domain import InvalidEpcQr, build_epc_qr
from payments.entrypoints.api.examples import PAYMENT_ID
from payments.entrypoints.api.payments import Payment
from payments.entrypoints.api.refusals import run
from payments.entrypoints.scopes import PayerScope

router = APIRouter()


@router.get(
    "/dossiers/{dossier_id}/payments/{payment_id}/qr",
    tags=["payments"],
    summary="The EPC QR code of a payment, to scan with a banking app",
    response_class=Response,
    responses={
        200: {
            "description": "The QR code; `X-EPC-Payload` carries its text",
            "content": {
                "image/png": {"schema": {"type": "string", "format": "binary"}},
                "image/svg+xml": {
                    "schema": {"type": "string"},
                    "example": '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 45 45">'
                    "...</svg>",
                },
            },
            "headers": {
                "X-EPC-Payload": {
                    "description": "The EPC QR text, its line breaks written as \\n",
                    "schema": {"type": "string"},
                }
            },
        },
        404: error_response("No such payment in the dossier"),
        422: error_response("Invalid parameters, or a payment an EPC QR code cannot carry"),
    },
)
async def payment_qr(
    payment_id: UUID,
    runtime: CurrentRuntime,
    scope: PayerScope,
    image_format: Annotated[Literal["png", "svg"], Query(alias="format")] = "png",
) -> Response:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_payment(
            connection, scope.office_id, scope.dossier_id, payment_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"payment {payment_id} not found")
    structured = row["remittance_type"] == "structured"
    try:
        code = build_epc_qr(
            name=row["creditor_name"],
            iban=row["creditor_iban"],
            bic=row["creditor_bic"],
            amount=row["amount"],
            reference=row["remittance_value"] if structured else None,
            text=row["remittance_value"] if row["remittance_type"] == "unstructured" else None,
        )
    except InvalidEpcQr as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
    body, media_type = (
        (code.png(), "image/png") if image_format == "png" else (code.svg(), "image/svg+xml")
    )
    return Response(
        body, media_type=media_type, headers={"X-EPC-Payload": code.payload.replace("\n", "\\n")}
    )


@router.post(
    "/dossiers/{dossier_id}/payments/{payment_id}/mark-paid",
    response_model=Payment,
    tags=["payments"],
    summary="Mark a QR payment as paid (the user paid it in the banking app)",
    responses={
        404: error_response("No such payment in the dossier"),
        409: error_response(
            "The payment is not a QR payment waiting to be paid",
            f"payment {PAYMENT_ID} is in_basket; only a QR payment can be marked paid",
        ),
    },
)
async def mark_paid(payment_id: UUID, runtime: CurrentRuntime, scope: PayerScope) -> Payment:
    today = datetime.now(UTC).date()
    row = await run(runtime, service_layer.mark_qr_paid, scope, payment_id, today)
    return Payment.model_validate(dict(row))
