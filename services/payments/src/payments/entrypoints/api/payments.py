"""Payments: made (by hand or from a recognised invoice), listed, the basket, one payment."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status
from ledgerline.errors import error_response
from ledgerline.money import Money
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field

from payments import service_layer
from payments.adapters import repository
from payments.domain.payment import PaymentMethod, PaymentStatus
from payments.entrypoints.api.examples import (
    ACCOUNT_ID,
    DOCUMENT_ID,
    DOSSIER,
    FILE_ID,
    PAYMENT_ID,
)
from payments.entrypoints.api.refusals import run
from payments.entrypoints.scopes import PayerScope

router = APIRouter()

PAYMENT_EXAMPLE = {
    "id": PAYMENT_ID,
    "dossier_id": DOSSIER,
    "document_id": DOCUMENT_ID,
    "bank_account_id": ACCOUNT_ID,
    "method": "basket",
    "status": "in_basket",
    "status_reason": "approval not required",
    "creditor_name": "Meelhandel Janssens NV",
    "creditor_iban": "BE68539007547034",
    "creditor_bic": "BBRUBEBB",
    "creditor_bank_name": "ING Belgium",
    "amount": "1210.00",
    "currency": "EUR",
    "remittance_type": "structured",
    "remittance_value": "+++010/8068/17183+++",
    "execution_date": "2026-12-01",
    "sepa_file_id": FILE_ID,
    "end_to_end_id": "E2E-2026-0042",
    "created_by": "anna.admin@demo-office.example",
    "created_at": "2026-11-30T10:00:00Z",
    "journalised_at": "2026-12-01T08:30:00Z",
}
PAID_PAYMENT_EXAMPLE = PAYMENT_EXAMPLE | {
    "status": "paid",
    "status_reason": "journalised with SEPA file 0f3c5e7a9b1d4f6a8c0e2b4d6f8a0c2e",
}


class RemittanceInput(BaseModel):
    type: Literal["none", "unstructured", "structured"]
    value: SingleLine | None = Field(
        default=None, max_length=140, examples=["+++010/8068/17183+++"]
    )


class PaymentInput(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"document_id": DOCUMENT_ID, "method": "basket"},
                {
                    "bank_account_id": ACCOUNT_ID,
                    "method": "qr",
                    "creditor_name": "Meelhandel Janssens NV",
                    "creditor_iban": "BE68 5390 0754 7034",
                    "amount": "1210.00",
                    "remittance": {"type": "structured", "value": "+++010/8068/17183+++"},
                    "execution_date": "2026-12-01",
                },
            ]
        }
    )

    document_id: UUID | None = Field(
        default=None, description="The recognised invoice to pay; prefills everything left out"
    )
    bank_account_id: UUID | None = Field(
        default=None, description="Default: the dossier's first account"
    )
    method: PaymentMethod = Field(
        default=PaymentMethod.BASKET, description="basket (SEPA file) or qr"
    )
    creditor_name: SingleLine | None = Field(default=None, max_length=140)
    creditor_iban: SingleLine | None = Field(default=None, max_length=64)
    creditor_bic: SingleLine | None = Field(default=None, max_length=16)
    amount: Money | None = Field(default=None, description="Default: the invoice's open amount")
    remittance: RemittanceInput | None = None
    execution_date: date | None = Field(default=None, description="Today or earlier: today")


class Payment(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    document_id: UUID | None
    bank_account_id: UUID
    method: str
    status: PaymentStatus
    status_reason: str | None
    creditor_name: str
    creditor_iban: str
    creditor_bic: str | None
    creditor_bank_name: str | None
    amount: Decimal
    currency: str
    remittance_type: str
    remittance_value: str | None
    execution_date: date
    sepa_file_id: UUID | None
    end_to_end_id: str | None
    created_by: str
    created_at: datetime
    journalised_at: datetime | None = Field(
        description="When the payment was handed to the books to journalise (payment.settled.v1, "
        "settled_by payment: a QR payment marked paid, a SEPA file's payment journalised); "
        "how the books took it: sync's payment-journalisings"
    )


@router.post(
    "/dossiers/{dossier_id}/payments",
    status_code=status.HTTP_201_CREATED,
    response_model=Payment,
    tags=["payments"],
    summary="Pay an invoice (prefilled from recognition) or make a payment by hand",
    description=(
        "Method `basket`: the payment goes to the basket (or awaits approval when the dossier's "
        "approval process is on). Method `qr`: fetch the EPC QR code, pay with a banking app, "
        "then mark it paid. An invoice is never paid twice: the active payments of an invoice "
        "cannot exceed its amount due (409)."
    ),
    responses={
        404: error_response("No recognised invoice with the given `document_id`"),
        409: error_response(
            "No bank account to pay from, or the invoice is already paid (in full or in part)",
            "the dossier has no such bank account to pay from; register one first",
        ),
        422: error_response("Invalid fields, or a payment that cannot be made as asked"),
    },
)
async def create_payment(
    payment: PaymentInput, runtime: CurrentRuntime, scope: PayerScope
) -> Payment:
    request = service_layer.NewPayment(
        document_id=payment.document_id,
        bank_account_id=payment.bank_account_id,
        method=payment.method,
        creditor_name=payment.creditor_name,
        creditor_iban=payment.creditor_iban,
        creditor_bic=payment.creditor_bic,
        amount=payment.amount,
        remittance_type=payment.remittance.type if payment.remittance else None,
        remittance_value=payment.remittance.value if payment.remittance else None,
        execution_date=payment.execution_date,
    )
    today = datetime.now(UTC).date()
    row = await run(runtime, service_layer.create_payment, scope, request, today)
    return Payment.model_validate(dict(row))


@router.get(
    "/dossiers/{dossier_id}/payments",
    response_model=list[Payment],
    tags=["payments"],
    summary="The dossier's payments, newest first (optionally of some statuses)",
)
async def list_payments(
    runtime: CurrentRuntime,
    scope: PayerScope,
    status_filter: Annotated[list[PaymentStatus] | None, Query(alias="status")] = None,
) -> list[Payment]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.list_payments(
            connection, scope.office_id, scope.dossier_id, [s.value for s in status_filter or []]
        )
    return [Payment.model_validate(dict(row)) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/basket",
    response_model=list[Payment],
    tags=["payments"],
    summary="The payment basket: approved payments waiting to go into a SEPA file",
)
async def basket(runtime: CurrentRuntime, scope: PayerScope) -> list[Payment]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.list_payments(
            connection, scope.office_id, scope.dossier_id, ["in_basket"]
        )
    return [Payment.model_validate(dict(row)) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/payments/{payment_id}",
    response_model=Payment,
    tags=["payments"],
    summary="One payment",
    responses={404: error_response("No such payment in the dossier")},
)
async def get_payment(payment_id: UUID, runtime: CurrentRuntime, scope: PayerScope) -> Payment:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_payment(
            connection, scope.office_id, scope.dossier_id, payment_id
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"payment {payment_id} not found")
    return Payment.model_validate(dict(row))
