"""SEPA credit-transfer files (pain.001): made of payments in the basket, and their archive."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from payments import service_layer
from payments.adapters import repository
from payments.domain.sepa_journal import FileStatus, FileTrail
from payments.entrypoints.api.examples import ACCOUNT_ID, DOSSIER, FILE_ID, PAYMENT_ID
from payments.entrypoints.api.refusals import run
from payments.entrypoints.scopes import PayerScope

router = APIRouter()


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
