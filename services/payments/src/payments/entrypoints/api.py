"""Dossier bank accounts (hoofdrekeningen): the accounts payments are made from."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID, uuid4

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, Field, field_validator
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException

router = APIRouter(tags=["bank accounts"])

PAYERS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}
COLUMNS = "id, dossier_id, iban, bic, bank_name, holder_name, hash_algorithm, created_at"


class BankAccountInput(BaseModel):
    iban: str = Field(examples=["BE71 0961 2345 6769"])
    bic: str | None = Field(default=None, description="Derived from the IBAN when left out")
    holder_name: str = Field(min_length=1, max_length=70)
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
    id: UUID
    dossier_id: UUID
    iban: str
    bic: str | None
    bank_name: str | None
    holder_name: str
    hash_algorithm: str
    created_at: datetime


@router.post(
    "/dossiers/{dossier_id}/bank-accounts",
    status_code=status.HTTP_201_CREATED,
    response_model=BankAccount,
    summary="Register a bank account of the dossier to pay from",
)
async def add_bank_account(
    account: BankAccountInput,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*PAYERS)],
) -> BankAccount:
    iban = IBAN(account.iban)
    derived = iban.bic
    bic = account.bic or (derived.compact if derived else None)
    bank_name = derived.bank_names[0] if derived and derived.bank_names else None
    async with runtime.unit_of_work() as uow:
        row = await uow.conn.fetchrow(
            f"""
            INSERT INTO bank_accounts (id, office_id, dossier_id, iban, bic, bank_name, holder_name,
                                       hash_algorithm)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING {COLUMNS}
            """,
            uuid4(),
            scope.office_id,
            scope.dossier_id,
            iban.compact,
            bic,
            bank_name,
            account.holder_name,
            account.hash_algorithm,
        )
    if row is None:
        raise HTTPException(status.HTTP_409_CONFLICT, f"{iban.formatted} is already registered")
    return BankAccount.model_validate(dict(row))


@router.get(
    "/dossiers/{dossier_id}/bank-accounts",
    response_model=list[BankAccount],
    summary="The dossier's bank accounts",
)
async def list_bank_accounts(
    runtime: CurrentRuntime, scope: Annotated[DossierScope, dossier_scope(*PAYERS)]
) -> list[BankAccount]:
    async with runtime.pool.acquire() as connection:
        rows = await connection.fetch(
            f"SELECT {COLUMNS} FROM bank_accounts WHERE office_id = $1 AND dossier_id = $2 ORDER BY created_at",
            scope.office_id,
            scope.dossier_id,
        )
    return [BankAccount.model_validate(dict(row)) for row in rows]
