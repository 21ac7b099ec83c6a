"""Payments API: bank accounts, payments (basket or EPC QR), SEPA files and their archive."""

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.errors import error_response
from ledgerline.money import Money
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from ledgerline.use_cases import UseCaseRunner
from pydantic import BaseModel, ConfigDict, Field, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

from payments import service_layer
from payments.adapters import mail, repository
from payments.domain import InvalidBatch, InvalidEpcQr, build_epc_qr
from payments.domain.payment import (
    AlreadyPaid,
    NotApproved,
    NotASupplierInvoice,
    PaymentMethod,
    PaymentRefused,
    PaymentStatus,
    claimed,
)
from payments.domain.sepa_journal import FileStatus, FileTrail

router = APIRouter()

PAYERS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}
PayerScope = Annotated[DossierScope, dossier_scope(*PAYERS)]
# Journalising is the office's bookkeeping (seed 001: the office journalises the payment run).
OfficeScope = Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)]

# Examples for the OpenAPI document. FastAPI leaves nulls out of examples, so they show values.
DOSSIER = "d0551e00-0000-4000-8000-000000000001"
ACCOUNT_ID = "ba000000-0000-4000-8000-000000000001"
DOCUMENT_ID = "5d0c0000-0000-4000-8000-00000000d0c1"
PAYMENT_ID = "9a000000-0000-4000-8000-000000000001"
FILE_ID = "5e9a0000-0000-4000-8000-000000000001"
BANK_ACCOUNT_INPUT_EXAMPLE = {
    "iban": "BE71 0961 2345 6769",
    "holder_name": "Bakkerij Peeters BV",
    "street": "Kerkstraat",
    "building_number": "12",
    "postal_code": "2000",
    "town": "Antwerpen",
    "country": "BE",
    "hash_algorithm": "sha256",
}
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
SEPA_XML_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">\n'
    "  <CstmrCdtTrfInitn><!-- group header, payment information ... --></CstmrCdtTrfInitn>\n"
    "</Document>\n"
)


# --- bank accounts ------------------------------------------------------------------------


class BankAccountInput(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [BANK_ACCOUNT_INPUT_EXAMPLE]})

    iban: SingleLine = Field(max_length=64, examples=["BE71 0961 2345 6769"])
    bic: SingleLine | None = Field(
        default=None, max_length=16, description="Derived from the IBAN when left out"
    )
    holder_name: SingleLine = Field(min_length=1, max_length=70)
    street: SingleLine | None = Field(default=None, max_length=70)
    building_number: SingleLine | None = Field(default=None, max_length=16)
    postal_code: SingleLine | None = Field(default=None, max_length=16)
    town: SingleLine = Field(
        min_length=1, max_length=35, description="Banks refuse unstructured addresses"
    )
    country: str = Field(pattern="^[A-Z]{2}$", examples=["BE"])
    hash_algorithm: Literal["sha256", "sha1"] = Field(
        default="sha256", description="Integrity hash the bank shows for uploaded files"
    )

    @field_validator("iban")
    @classmethod
    def valid_iban(cls, value: str) -> str:
        try:
            return IBAN(value).compact
        except SchwiftyException as exc:
            raise ValueError(f"{value!r} is not a valid IBAN: {exc}") from exc

    @field_validator("bic")
    @classmethod
    def valid_bic(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            return BIC(value).compact
        except SchwiftyException as exc:
            raise ValueError(f"{value!r} is not a valid BIC: {exc}") from exc


class BankAccount(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                BANK_ACCOUNT_INPUT_EXAMPLE
                | {
                    "id": ACCOUNT_ID,
                    "dossier_id": DOSSIER,
                    "iban": "BE71096123456769",
                    "bic": "GKCCBEBB",
                    "bank_name": "Belfius Bank",
                    "created_at": "2026-11-30T09:30:00Z",
                }
            ]
        }
    )

    id: UUID
    dossier_id: UUID
    iban: str
    bic: str | None
    bank_name: str | None
    holder_name: str
    street: str | None
    building_number: str | None
    postal_code: str | None
    town: str | None
    country: str | None
    hash_algorithm: str
    created_at: datetime


@router.post(
    "/dossiers/{dossier_id}/bank-accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=BankAccount,
    tags=["bank accounts"],
    summary="Register a bank account of the dossier to pay from (a 'hoofdrekening')",
    responses={
        409: error_response(
            "The IBAN is already registered in the dossier",
            "BE71 0961 2345 6769 is already registered",
        )
    },
)
async def add_bank_account(
    account: BankAccountInput, runtime: CurrentRuntime, scope: PayerScope
) -> BankAccount:
    derived_bic, bank_name = service_layer.bank_of_iban(account.iban)
    async with runtime.unit_of_work() as uow:
        row = await repository.insert_bank_account(
            uow.conn,
            account.model_dump()
            | {
                "id": uuid4(),
                "office_id": scope.office_id,
                "dossier_id": scope.dossier_id,
                "bic": account.bic or derived_bic,
                "bank_name": bank_name,
            },
        )
    if row is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"{IBAN(account.iban).formatted} is already registered"
        )
    return BankAccount.model_validate(dict(row))


@router.get(
    "/dossiers/{dossier_id}/bank-accounts",
    response_model=list[BankAccount],
    tags=["bank accounts"],
    summary="The dossier's bank accounts",
)
async def list_bank_accounts(runtime: CurrentRuntime, scope: PayerScope) -> list[BankAccount]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.list_bank_accounts(connection, scope.office_id, scope.dossier_id)
    return [BankAccount.model_validate(dict(row)) for row in rows]


# --- settings -----------------------------------------------------------------------------


class PaymentSettings(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"approval_required": True}]})

    approval_required: bool = Field(description="Payments wait for approval before the basket")


@router.get(
    "/dossiers/{dossier_id}/payment-settings",
    response_model=PaymentSettings,
    tags=["payments"],
    summary="Whether payments wait for approval",
)
async def get_settings(runtime: CurrentRuntime, scope: PayerScope) -> PaymentSettings:
    async with runtime.pool.acquire() as connection:
        required = await repository.approval_required(connection, scope.office_id, scope.dossier_id)
    return PaymentSettings(approval_required=required)


@router.put(
    "/dossiers/{dossier_id}/payment-settings",
    response_model=PaymentSettings,
    tags=["payments"],
    summary="Switch the payment approval process on or off",
    responses={
        409: error_response(
            "Payments await approval, so the process cannot be switched off",
            "2 payments are awaiting approval; the process cannot be switched off now",
        )
    },
)
async def put_settings(
    settings: PaymentSettings, runtime: CurrentRuntime, scope: PayerScope
) -> PaymentSettings:
    async with runtime.unit_of_work() as uow:
        waiting = await repository.count_awaiting_approval(
            uow.conn, scope.office_id, scope.dossier_id
        )
        if not settings.approval_required and waiting:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{waiting} payments are awaiting approval; the process cannot be switched off now",
            )
        await repository.set_approval_required(
            uow.conn, scope.office_id, scope.dossier_id, settings.approval_required
        )
    return settings


# --- payable invoices ---------------------------------------------------------------------


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
            else max(row["amount_due"] - claimed_so_far, 0),
            "bank_name": bank_name,
        }
    )


# --- payments -----------------------------------------------------------------------------


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


def _refusal(exc: Exception) -> HTTPException:
    if isinstance(exc, service_layer.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, service_layer.Conflict | AlreadyPaid | NotASupplierInvoice | NotApproved):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    if isinstance(exc, InvalidBatch):
        return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "; ".join(exc.problems))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


REFUSALS = (service_layer.NotFound, service_layer.Conflict, PaymentRefused, InvalidBatch)
# Runs a use case of the service layer in one unit of work; a refusal is its HTTP answer.
run = UseCaseRunner(REFUSALS, _refusal)


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


# --- SEPA files ---------------------------------------------------------------------------


class SepaFileRequest(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"payment_ids": [PAYMENT_ID], "format": "pain.001.001.09"}]}
    )

    payment_ids: list[UUID] = Field(description="Payments from the basket, one debtor account")
    format: Literal["pain.001.001.09", "pain.001.001.03"] = "pain.001.001.09"


SEPA_FILE_EXAMPLE = {
    "id": FILE_ID,
    "dossier_id": DOSSIER,
    "bank_account_id": ACCOUNT_ID,
    "debtor_iban": "BE71096123456769",
    "message_id": "0f3c5e7a9b1d4f6a8c0e2b4d6f8a0c2e",
    "format": "pain.001.001.09",
    "number_of_transactions": 1,
    "control_sum": "1210.00",
    "hash_algorithm": "sha256",
    "integrity_hash": "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce",
    "sha256": "4e07408562bedb8b60ce05c1decfe3ad16b72230967de01f640b7e4729b49fce",
    "summary": {"number_of_transactions": 1, "control_sum": "1210.00"},
    "created_by": "anna.admin@demo-office.example",
    "created_at": "2026-11-30T11:00:00Z",
    "status": "journalised",
    "downloaded_at": "2026-11-30T11:02:00Z",
    "downloaded_by": "anna.admin@demo-office.example",
    "emailed_at": "2026-11-30T11:05:00Z",
    "journalised_at": "2026-12-01T08:30:00Z",
    "journalised_by": "eva.employee@demo-office.example",
    "status_report_message_id": "STS-20261201-0007",
    "status_report_at": "2026-12-01T08:00:00Z",
}


class SepaFile(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SEPA_FILE_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    bank_account_id: UUID
    debtor_iban: str
    message_id: str
    format: str
    number_of_transactions: int
    control_sum: Decimal
    hash_algorithm: str
    integrity_hash: str = Field(description="Compare with what the bank shows after upload")
    sha256: str
    summary: dict[str, Any]
    created_by: str
    created_at: datetime
    status: FileStatus = Field(
        description="generated; sent_to_bank (downloaded or e-mailed); journalised (its "
        "payments handed to the books)"
    )
    downloaded_at: datetime | None = Field(description="First download")
    downloaded_by: str | None
    emailed_at: datetime | None = Field(description="First e-mail to the bank")
    journalised_at: datetime | None
    journalised_by: str | None
    status_report_message_id: str | None = Field(
        description="The bank's last payment status report (pain.002) imported for the file"
    )
    status_report_at: datetime | None

    @classmethod
    def of(cls, row: Any) -> "SepaFile":
        trail = FileTrail(row["downloaded_at"], row["emailed_at"], row["journalised_at"])
        return cls.model_validate(dict(row) | {"status": trail.status})


@router.post(
    "/dossiers/{dossier_id}/sepa-files",
    status_code=status.HTTP_201_CREATED,
    response_model=SepaFile,
    tags=["SEPA files"],
    summary="Make a SEPA credit-transfer file (pain.001) of payments in the basket",
    description="The file is validated against the ISO 20022 XSD before it is kept; its payments "
    "move to 'in processing'. Execution dates of today or earlier become today.",
    responses={
        404: error_response("A payment of the request is not in the dossier"),
        409: error_response(
            "A payment is not in the basket",
            "only payments in the basket go into a file: ...",
        ),
        422: error_response("Invalid fields, or payments that cannot make one valid file"),
    },
)
async def make_sepa_file(
    request: SepaFileRequest, runtime: CurrentRuntime, scope: PayerScope
) -> SepaFile:
    row = await run(
        runtime,
        service_layer.make_sepa_file,
        scope,
        request.payment_ids,
        request.format,
        datetime.now(UTC),
    )
    return SepaFile.of(row)


@router.get(
    "/dossiers/{dossier_id}/sepa-files",
    response_model=list[SepaFile],
    tags=["SEPA files"],
    summary="Executed SEPA orders: every file made, newest first",
)
async def list_sepa_files(runtime: CurrentRuntime, scope: PayerScope) -> list[SepaFile]:
    async with runtime.pool.acquire() as connection:
        rows = await repository.list_sepa_files(connection, scope.office_id, scope.dossier_id)
    return [SepaFile.of(row) for row in rows]


@router.get(
    "/dossiers/{dossier_id}/sepa-files/{file_id}",
    response_model=SepaFile,
    tags=["SEPA files"],
    summary="One SEPA file's record",
    responses={404: error_response("No such SEPA file in the dossier")},
)
async def get_sepa_file(file_id: UUID, runtime: CurrentRuntime, scope: PayerScope) -> SepaFile:
    async with runtime.pool.acquire() as connection:
        row = await repository.get_sepa_file(connection, scope.office_id, scope.dossier_id, file_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"SEPA file {file_id} not found")
    return SepaFile.of(row)


@router.get(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/content",
    tags=["SEPA files"],
    summary="Download the SEPA file, byte for byte",
    description="The first download is recorded (`downloaded_at`): the file counts as sent to "
    "the bank, and its payments may be journalised.",
    response_class=Response,
    responses={
        200: {
            "description": "The pain.001 file",
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": SEPA_XML_EXAMPLE}
            },
            "headers": {
                "X-Integrity-Hash": {
                    "description": "`algorithm:hex`, to compare with what the bank shows",
                    "schema": {"type": "string"},
                }
            },
        },
        404: error_response("No such SEPA file in the dossier"),
    },
)
async def download_sepa_file(file_id: UUID, runtime: CurrentRuntime, scope: PayerScope) -> Response:
    async with runtime.unit_of_work() as uow:
        row = await repository.get_sepa_file(
            uow.conn, scope.office_id, scope.dossier_id, file_id, content=True
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"SEPA file {file_id} not found")
        # Downloaded to upload in the bank's site: the file counts as sent to the bank.
        await repository.record_download(
            uow.conn, scope.office_id, scope.dossier_id, file_id, scope.principal.subject
        )
    return Response(
        row["content"],
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{row["message_id"]}.xml"',
            "X-Integrity-Hash": f"{row['hash_algorithm']}:{row['integrity_hash']}",
        },
    )


class EmailRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "payments@bank.example"}]})

    # ASCII only: a bank's address for files never needs more, and SMTP without SMTPUTF8 can't.
    to: SingleLine = Field(
        pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length=254,
        description="The bank's address for payment files",
    )


class EmailSent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "sent", "to": "payments@bank.example"}]}
    )

    status: Literal["sent"]
    to: str


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/email",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["SEPA files"],
    summary="E-mail the SEPA file to the bank over SMTP",
    response_model=EmailSent,
    responses={
        404: error_response("No such SEPA file in the dossier"),
        502: error_response("The mail server refused or could not be reached"),
    },
)
async def email_sepa_file(
    file_id: UUID, request: EmailRequest, runtime: CurrentRuntime, scope: PayerScope
) -> EmailSent:
    settings = runtime.settings
    async with runtime.pool.acquire() as connection:
        row = await repository.get_sepa_file(
            connection, scope.office_id, scope.dossier_id, file_id, content=True
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"SEPA file {file_id} not found")
    # The mail server may take seconds: no connection or transaction is held while it talks.
    # A mail that was not taken is not recorded; one that was is recorded right after.
    try:
        await mail.send_file(
            host=settings.smtp_host,  # type: ignore[attr-defined]
            port=settings.smtp_port,  # type: ignore[attr-defined]
            sender=settings.smtp_sender,  # type: ignore[attr-defined]
            recipient=request.to,
            subject=f"SEPA credit transfers {row['message_id']}",
            body=(
                f"{row['number_of_transactions']} credit transfers, total EUR {row['control_sum']}, "
                f"from {row['debtor_iban']}.\n{row['hash_algorithm'].upper()}: {row['integrity_hash']}\n"
            ),
            filename=f"{row['message_id']}.xml",
            content=row["content"],
            starttls=settings.smtp_starttls,  # type: ignore[attr-defined]
            username=settings.smtp_username,  # type: ignore[attr-defined]
            password=settings.smtp_password,  # type: ignore[attr-defined]
        )
    except mail.MailNotSent as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from exc
    async with runtime.unit_of_work() as uow:
        await repository.record_email(
            uow.conn, uuid4(), file_id, request.to, scope.principal.subject
        )
    return EmailSent(status="sent", to=request.to)


class JournalisedSepaFile(SepaFile):
    model_config = ConfigDict(
        json_schema_extra={"examples": [SEPA_FILE_EXAMPLE | {"payments": [PAID_PAYMENT_EXAMPLE]}]}
    )

    payments: list[Payment] = Field(
        description="The file's payments: those journalised are paid, with `journalised_at`"
    )


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/journalise",
    response_model=JournalisedSepaFile,
    tags=["SEPA files"],
    summary="Journalise the file's payments in the books, after it was sent to the bank",
    description=(
        "Seed 001: the office journalises the payments after the payment orders went to the "
        "bank. Allowed once the file was downloaded or e-mailed. Each payment of the file still "
        "in processing becomes paid and gets `payment.settled.v1` (settled_by `payment`, kind "
        "`supplier`, settled on the file's requested execution date); sync books it in the "
        "bank journal of the account paid from, settling the invoice's open item. Payments the "
        "books settled already are left alone. Journalising a file twice is journalising it "
        "once (200, the same answer)."
    ),
    responses={
        404: error_response("No such SEPA file in the dossier"),
        409: error_response(
            "The file has not been sent to the bank yet",
            f"SEPA file {FILE_ID} has not been sent to the bank yet: download it or e-mail it "
            "to the bank first, then journalise its payments",
        ),
    },
)
async def journalise_sepa_file(
    file_id: UUID, runtime: CurrentRuntime, scope: OfficeScope
) -> JournalisedSepaFile:
    done = await run(runtime, service_layer.journalise_sepa_file, scope, file_id)
    return JournalisedSepaFile.model_validate(
        SepaFile.of(done.file).model_dump()
        | {"payments": [Payment.model_validate(dict(p)) for p in done.payments]}
    )


# A bank's status report lists each transaction in a few hundred bytes: 10 MiB is ~30,000.
MAX_STATUS_REPORT_BYTES = 10 * 1024 * 1024
PAIN002_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">\n'
    "  <CstmrPmtStsRpt><!-- GrpHdr, OrgnlGrpInfAndSts (OrgnlMsgId: the file's message_id), "
    "OrgnlPmtInfAndSts/TxInfAndSts (OrgnlEndToEndId, TxSts RJCT, StsRsnInf) --></CstmrPmtStsRpt>\n"
    "</Document>\n"
)


class TransactionStatus(BaseModel):
    end_to_end_id: str
    status: str = Field(description="The bank's ISO 20022 status: RJCT, ACCP, ACSC, ACTC ...")
    reason: str | None = Field(
        default=None, description="The bank's reason code and text", examples=["AC01"]
    )
    payment_id: UUID | None = Field(description="The file's payment (or the one returned)")
    returned_to_basket: bool


class ImportedStatusReport(SepaFile):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                SEPA_FILE_EXAMPLE
                | {
                    "transactions": [
                        {
                            "end_to_end_id": "E2E-2026-0042",
                            "status": "ACSC",
                            "payment_id": PAYMENT_ID,
                            "returned_to_basket": False,
                        }
                    ],
                    "returned": [],
                    "payments": [PAID_PAYMENT_EXAMPLE],
                }
            ]
        }
    )

    transactions: list[TransactionStatus] = Field(
        description="Each transaction of the file the report gives a status"
    )
    returned: list[Payment] = Field(description="Rejected payments, back in the basket")
    payments: list[Payment] = Field(description="The file's payments now")


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/status-report",
    response_model=ImportedStatusReport,
    tags=["SEPA files"],
    summary="Import the bank's payment status report (pain.002) for the file",
    description=(
        "The body is the bank's pain.002.001.03 or pain.002.001.10 file. It is validated against "
        "its ISO 20022 XSD and must report on this file (`OrgnlMsgId` = the file's "
        "`message_id`) and name only its blocks and end-to-end ids. A transaction the bank "
        "rejected (`RJCT`, its own status or its block's or group's) leaves the file and goes "
        "back to the basket with the bank's reason: it is not journalised with the file. "
        "Accepted ones stay in processing, to be journalised. Importing a report again changes "
        "nothing more."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": PAIN002_EXAMPLE}
            },
        }
    },
    responses={
        404: error_response("No such SEPA file in the dossier"),
        409: error_response(
            "The report rejects a payment that is already paid (journalised, or settled in the "
            "books)",
            "the bank rejects payments that are already paid: payment ... is paid. Reverse them "
            "in the books, then pay them again",
        ),
        413: error_response("The report is larger than 10 MiB"),
        422: error_response(
            "Not well-formed XML, not a pain.002 report, not valid against its XSD, about "
            "another file, or naming end-to-end ids the file does not have; nothing is written",
            "the status report names end-to-end ids that are not in the file: E2E-UNKNOWN-1",
        ),
    },
)
async def import_status_report(
    file_id: UUID, request: Request, runtime: CurrentRuntime, scope: OfficeScope
) -> ImportedStatusReport:
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_STATUS_REPORT_BYTES:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"the status report is larger than {MAX_STATUS_REPORT_BYTES // (1024 * 1024)} MiB",
            )
    done = await run(runtime, service_layer.import_status_report, scope, file_id, bytes(content))
    of_file = {p["end_to_end_id"]: p["id"] for p in done.payments}
    of_file |= {e2e: p["id"] for e2e, p in done.returned.items()}
    return ImportedStatusReport.model_validate(
        SepaFile.of(done.file).model_dump()
        | {
            "transactions": [
                TransactionStatus(
                    end_to_end_id=e2e,
                    status=given.code,
                    reason=given.reason,
                    payment_id=of_file.get(e2e),
                    returned_to_basket=e2e in done.returned,
                )
                for e2e, given in done.statuses.items()
            ],
            "returned": [Payment.model_validate(dict(p)) for p in done.returned.values()],
            "payments": [Payment.model_validate(dict(p)) for p in done.payments],
        }
    )
