"""The dossier's open items as the books show them (read-only; kept from ledger.synced.v1)."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from payments.adapters import open_items
from payments.entrypoints.scopes import PayerScope

router = APIRouter(tags=["open items"])


class OpenItem(BaseModel):
    # An example for the OpenAPI document, from the demo dossier PEETERS (FastAPI leaves nulls
    # out of examples, so optional fields show values).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "journal": "CFAAN",
                    "document_number": "26000001",
                    "kind": "supplier",
                    "counterparty_number": "L0006",
                    "invoice_number": "F472934",
                    "invoice_date": "2026-01-01",
                    "due_date": "2026-01-31",
                    "currency": "EUR",
                    "amount": "942.78",
                    "amount_paid": "500.00",
                    "open_amount": "442.78",
                    "structured_communication": "+++090/9337/55493+++",
                    "status": "open",
                }
            ]
        }
    )

    journal: str
    document_number: str
    kind: str = Field(description="customer or supplier")
    counterparty_number: str
    invoice_number: str | None
    invoice_date: date
    due_date: date | None
    currency: str
    amount: Decimal = Field(description="Total including VAT; credit notes negative")
    amount_paid: Decimal
    open_amount: Decimal
    structured_communication: str | None
    status: Literal["open", "settled"] = Field(
        description="settled: the books show it paid (a payment of the platform was journalised)"
    )
    settled_on: date | None = Field(default=None, description="When it was settled")


@router.get(
    "/dossiers/{dossier_id}/open-items",
    response_model=list[OpenItem],
    summary="Invoices and credit notes still (partly) open in the books, earliest due first",
    description="`status=settled` lists the items the books show paid since the platform "
    "journalised their payment; `status=all` both.",
)
async def list_open_items(
    runtime: CurrentRuntime,
    scope: PayerScope,
    kind: Literal["customer", "supplier"] | None = None,
    counterparty_number: Annotated[str | None, Query(max_length=50)] = None,
    due_by: Annotated[date | None, Query(description="Only items due on or before")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    offset: Annotated[int, Query(ge=0)] = 0,
    status: Literal["open", "settled", "all"] = "open",
) -> list[OpenItem]:
    async with runtime.pool.acquire() as connection:
        rows = await open_items.list_open_items(
            connection,
            scope.office_id,
            scope.dossier_id,
            kind,
            counterparty_number,
            due_by,
            limit,
            offset,
            status,
        )
    return [OpenItem.model_validate(dict(row)) for row in rows]
