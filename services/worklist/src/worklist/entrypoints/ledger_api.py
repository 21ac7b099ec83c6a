"""The dossier's ledger master data as the worklist knows it (read-only; the package is the
master and sync publishes it as ledger.synced.v1)."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.events import BookingPeriod, Counterparty, GLAccount, Journal, VatCode
from ledgerline.service import CurrentRuntime

from worklist.adapters import ledger_copy
from worklist.entrypoints.api import VALIDATORS

router = APIRouter(tags=["ledger master data"])

Scope = Annotated[DossierScope, dossier_scope(*VALIDATORS)]

# Examples for the OpenAPI document, from the demo dossier PEETERS (FastAPI leaves nulls out of
# examples, so optional fields show values).
COUNTERPARTIES_EXAMPLE = [
    {
        "number": "L0006",
        "kind": "supplier",
        "name": "Van Hoorebeke Verpakkingen",
        "vat_number": "BE0715231874",
        "ibans": ["BE46068185785036"],
        "currency": "EUR",
        "default_gl_account": "604000",
        "default_vat_code": "A21",
    },
    {
        "number": "K0006",
        "kind": "customer",
        "name": "Tearoom Lieve",
        "vat_number": "BE0556887787",
        "ibans": ["BE36103667982181"],
        "currency": "EUR",
        "default_gl_account": "700000",
        "default_vat_code": "V06",
    },
]
ACCOUNTS_EXAMPLE = [
    {
        "code": "400000",
        "name": "Handelsvorderingen: klanten",
        "pcmn_class": 4,
        "type": "asset",
        "suspense": False,
        "active": True,
    },
    {
        "code": "440000",
        "name": "Handelsschulden: leveranciers",
        "pcmn_class": 4,
        "type": "liability",
        "suspense": False,
        "active": True,
    },
    {
        "code": "604000",
        "name": "Aankopen handelsgoederen",
        "pcmn_class": 6,
        "type": "expense",
        "suspense": False,
        "active": True,
    },
]
VAT_CODES_EXAMPLE = [
    {
        "code": "A21",
        "description": "Aankopen handelsgoederen 21%",
        "direction": "purchase",
        "rate": "21",
        "kind": "goods",
        "regime": "domestic",
        "deductible_share": "100",
        "base_grid": "81",
        "vat_grid": "59",
    }
]
JOURNALS_EXAMPLE = [
    {
        "code": "CFAAN",
        "name": "Aankopen",
        "type": "purchase",
        "number_format": "yy000###",
        "next_number": "26000215",
        "credit_note_only": False,
        "foreign_currency_allowed": True,
        "first_period": "2026-01",
        "platform": True,
    },
    {
        "code": "KBC",
        "name": "KBC zichtrekening",
        "type": "financial",
        "number_format": "yy000###",
        "next_number": "26000148",
        "credit_note_only": False,
        "foreign_currency_allowed": False,
        "first_period": "2026-01",
        "platform": False,
        "bank_account_iban": "BE68539007547034",
    },
]
PERIODS_EXAMPLE = [
    {
        "fiscal_year": "2026",
        "code": "2026-10",
        "start": "2026-10-01",
        "end": "2026-10-31",
        "status": "closed",
    },
    {
        "fiscal_year": "2026",
        "code": "2026-11",
        "start": "2026-11-01",
        "end": "2026-11-30",
        "status": "open",
    },
]


def _example(example: list[dict[str, Any]]) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"example": example}}}}


@router.get(
    "/dossiers/{dossier_id}/ledger/counterparties",
    responses=_example(COUNTERPARTIES_EXAMPLE),
    response_model=list[Counterparty],
    summary="The dossier's customers and suppliers in the accounting package, by number",
)
async def list_counterparties(
    runtime: CurrentRuntime,
    scope: Scope,
    kind: Literal["customer", "supplier"] | None = None,
    vat_number: Annotated[str | None, Query(max_length=30)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Counterparty]:
    async with runtime.pool.acquire() as connection:
        rows = await ledger_copy.list_counterparties(
            connection, scope.office_id, scope.dossier_id, kind, vat_number, limit, offset
        )
    return [Counterparty.model_validate(dict(row) | {"ibans": tuple(row["ibans"])}) for row in rows]


def _master_data_route(
    path: str,
    kind: str,
    model: type[Any],
    example: list[dict[str, Any]],
    *,
    name: str,
    summary: str,
) -> None:
    """`GET /dossiers/{dossier_id}/ledger/<path>`: the dossier's master data of one kind, as
    `ledger_copy` keeps it (`name` is the operation's, as a function of that name would give)."""

    @router.get(
        f"/dossiers/{{dossier_id}}/ledger/{path}",
        responses=_example(example),
        response_model=list[model],  # type: ignore[valid-type]
        summary=summary,
        name=name,
    )
    async def list_master_data(runtime: CurrentRuntime, scope: Scope) -> list[dict]:
        async with runtime.pool.acquire() as connection:
            return await ledger_copy.list_master_data(
                connection, scope.office_id, scope.dossier_id, kind
            )


_master_data_route(
    "accounts",
    "account",
    GLAccount,
    ACCOUNTS_EXAMPLE,
    name="list_accounts",
    summary="The dossier's chart of accounts (PCMN class, type, suspense)",
)
_master_data_route(
    "vat-codes",
    "vat_code",
    VatCode,
    VAT_CODES_EXAMPLE,
    name="list_vat_codes",
    summary="The dossier's VAT codes",
)
_master_data_route(
    "journals",
    "journal",
    Journal,
    JOURNALS_EXAMPLE,
    name="list_journals",
    summary="The dossier's journals with their document number format and next number",
)
_master_data_route(
    "periods",
    "period",
    BookingPeriod,
    PERIODS_EXAMPLE,
    name="list_periods",
    summary="The dossier's booking periods, open or closed",
)
