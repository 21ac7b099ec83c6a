"""The worklist's list: filters, sort, pagination and counts, as SQL.

One list serves a dossier's worklist and the office-wide one: every query takes the dossiers it
may read (one, or those the caller may see across the office), and never reads outside them."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal
from uuid import UUID

import asyncpg

from worklist.adapters.repository import PROPOSAL_COLUMNS

Tab = Literal["purchase", "sales", "misc"]
# The dossier's name, from the service's dossier directory (the office-wide list's column).
DOSSIER_NAME = "(SELECT d.name FROM dossiers d WHERE d.id = proposals.dossier_id)"
# The columns of the seed's overview the list sorts on, by their API name.
SORT_COLUMNS = {
    "type": "source",
    "journal": "journal",
    "invoice_date": "invoice_date",
    "period": "period",
    "invoice_number": "invoice_number",
    "counterparty": "counterparty_name",
    "total": "total_incl_vat",
    "processed": "created_at",
    "status": "status",
    "confidence": "confidence",
    "dossier": DOSSIER_NAME,
}
# The seed's filters, each a condition on a proposal.
FILTERS = {
    "no_counterparty": "(counterparty_number IS NULL AND counterparty_name IS NULL "
    "AND counterparty_vat IS NULL)",
    "amount_zero": "coalesce(total_incl_vat, 0) = 0",
    "duplicates": "possible_duplicate",
    "not_checked": "(NOT checked AND stage = 'open')",
    "date_after_period": """warnings @> '[{"code": "invoice_date_after_period"}]'""",
}


@dataclass(frozen=True)
class ListQuery:
    tab: Tab | None = None
    filters: tuple[str, ...] = ()
    status: str | None = None
    period: str | None = None
    journal: str | None = None
    sort: str | None = None  # a SORT_COLUMNS key, "-" in front for descending
    limit: int = 100
    offset: int = 0
    dossiers: tuple[UUID, ...] = ()  # across the office: only these of the visible dossiers


def _where(query: ListQuery, args: list[Any]) -> str:
    """`args` holds the office and the readable dossiers; the query may narrow the dossiers."""
    conditions = ["office_id = $1", "dossier_id = ANY($2::uuid[])"]
    if query.dossiers:
        args.append(list(query.dossiers))
        conditions.append(f"dossier_id = ANY(${len(args)}::uuid[])")
    for column, value in (
        ("mailbox", query.tab),
        ("status", query.status),
        ("period", query.period),
        ("journal", query.journal),
    ):
        if value is not None:
            args.append(value)
            conditions.append(f"{column} = ${len(args)}")
    conditions += [FILTERS[name] for name in query.filters]
    return " AND ".join(conditions)


def _order(sort: str | None) -> str:
    if not sort:
        return "created_at, id"
    column = SORT_COLUMNS[sort.lstrip("-")]
    direction = "DESC NULLS LAST" if sort.startswith("-") else "ASC NULLS LAST"
    return f"{column} {direction}, created_at, id"


async def list_page(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: Sequence[UUID],
    query: ListQuery,
) -> tuple[list[asyncpg.Record], int]:
    args: list[Any] = [office_id, list(dossier_ids)]
    where = _where(query, args)
    total = await connection.fetchval(f"SELECT count(*) FROM proposals WHERE {where}", *args)
    rows = await connection.fetch(
        f"""SELECT {PROPOSAL_COLUMNS}, {DOSSIER_NAME} AS dossier_name FROM proposals WHERE {where}
        ORDER BY {_order(query.sort)} LIMIT {int(query.limit)} OFFSET {int(query.offset)}""",
        *args,
    )
    return rows, total


async def ordered_ids(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: Sequence[UUID],
    query: ListQuery,
) -> list[UUID]:
    """Every id the list holds in its order, for opening the next or previous proposal."""
    args: list[Any] = [office_id, list(dossier_ids)]
    rows = await connection.fetch(
        f"SELECT id FROM proposals WHERE {_where(query, args)} ORDER BY {_order(query.sort)}",
        *args,
    )
    return [row["id"] for row in rows]


async def listed_row(
    connection: asyncpg.Connection, office_id: UUID, dossier_ids: Sequence[UUID], proposal_id: UUID
) -> asyncpg.Record | None:
    """One proposal as the list shows it (with its dossier's name), within the dossiers given."""
    return await connection.fetchrow(
        f"""SELECT {PROPOSAL_COLUMNS}, {DOSSIER_NAME} AS dossier_name FROM proposals
        WHERE office_id = $1 AND dossier_id = ANY($2::uuid[]) AND id = $3""",
        office_id,
        list(dossier_ids),
        proposal_id,
    )


async def counts(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_ids: Sequence[UUID],
    tab: Tab | None,
) -> dict[str, dict[str, int]]:
    """Proposals still to be validated (not sent, not booked): per tab, and per filter within
    the tab (or all tabs), over the dossiers given."""
    row = await connection.fetchrow(
        f"""SELECT
            count(*) FILTER (WHERE mailbox = 'purchase') AS purchase,
            count(*) FILTER (WHERE mailbox = 'sales') AS sales,
            count(*) FILTER (WHERE mailbox = 'misc') AS misc,
            {
            ", ".join(
                f"count(*) FILTER (WHERE ($3::text IS NULL OR mailbox = $3) AND {condition}) AS {name}"
                for name, condition in FILTERS.items()
            )
        }
        FROM proposals
        WHERE office_id = $1 AND dossier_id = ANY($2::uuid[]) AND stage = 'open'""",
        office_id,
        list(dossier_ids),
        tab,
    )
    return {
        "tabs": {name: row[name] for name in ("purchase", "sales", "misc")},
        "filters": {name: row[name] for name in FILTERS},
    }
