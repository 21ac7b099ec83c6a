"""A recognised invoice as the payment form shows it."""

from datetime import date
from decimal import Decimal
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from payments import service_layer
from payments.adapters import repository
from payments.domain.payment import claimed, open_amount
from payments.entrypoints.api.examples import DOCUMENT_ID
from payments.entrypoints.scopes import PayerScope

router = APIRouter()


class PayableInvoice(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "document_id": DOCUMENT_ID,
                    "document_type": "invoice",
                    "invoice_number": "2026-0042",
                    "supplier_name": "Meelhandel Janssens NV",
                    "supplier_vat": "BE0403019261",
                    "due_date": "2026-12-30",
                    "currency": "EUR",
                    "amount_due": "1210.00",
                    "already_paid": "0.00",
                    "open_amount": "1210.00",
                    "iban": "BE68539007547034",
                    "bic": "BBRUBEBB",
                    "bank_name": "ING Belgium",
                    "payment_reference": "+++010/8068/17183+++",
                }
            ]
        }
    )

    document_id: UUID
    document_type: str | None
    invoice_number: str | None
    supplier_name: str | None
    supplier_vat: str | None
    due_date: date | None
    currency: str | None
    amount_due: Decimal | None
    already_paid: Decimal = Field(
        description="Taken by active payments (in basket, processing, paid)"
    )
    open_amount: Decimal | None
    iban: str | None
    bic: str | None
    bank_name: str | None
    payment_reference: str | None


@router.get(
    "/dossiers/{dossier_id}/payable-invoices/{document_id}",
    response_model=PayableInvoice,
    tags=["payments"],
    summary="A recognised invoice as the payment form shows it: payee, amounts, communication",
    responses={404: error_response("No recognised invoice with this id in the dossier")},
)
async def get_payable_invoice(
    document_id: UUID, runtime: CurrentRuntime, scope: PayerScope
) -> PayableInvoice:
    async with runtime.pool.acquire() as connection, connection.transaction():
        row = await repository.lock_payable_invoice(
            connection, scope.office_id, scope.dossier_id, document_id
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no recognised invoice {document_id}")
        claimed_so_far = claimed(
            await service_layer.claims_of_invoice(
                connection, scope.office_id, scope.dossier_id, row
            )
        )
    _, bank_name = service_layer.bank_of_iban(row["iban"]) if row["iban"] else (None, None)
    return PayableInvoice.model_validate(
        dict(row)
        | {
            "already_paid": claimed_so_far,
            "open_amount": None
            if row["amount_due"] is None
            else open_amount(row["amount_due"], claimed_so_far),
            "bank_name": bank_name,
        }
    )
