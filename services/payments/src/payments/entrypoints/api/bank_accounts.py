"""The dossier's bank accounts to pay from."""

from datetime import datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from uuid_utils.compat import uuid7

from payments import service_layer
from payments.adapters import repository
from payments.entrypoints.api.examples import ACCOUNT_ID, DOSSIER
from payments.entrypoints.scopes import PayerScope

router = APIRouter()

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
                "id": uuid7(),
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
