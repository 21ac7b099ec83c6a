"""SQL for what a new proposal is checked against: the dossier's proposals that may be its
duplicate, and the highest sales invoice numbers per series."""

from decimal import Decimal
from uuid import UUID

import asyncpg

from worklist.domain.duplicates import Registered, number_digits
from worklist.domain.warnings import sequence_number

# The dossier's proposals that may be a duplicate of a candidate: the same counterparty, and the
# same invoice number digits or the same date and total. Only those rows are read (by the
# proposals_like_number / proposals_like_amount indexes), not every proposal of the
# counterparty: a dossier with thousands of invoices of one supplier made the lookup grow with
# them. `find_duplicate` then decides exactly on the rows read. invoice_number_digits is a stored
# column (0013_perfone) so that even a plan without the index compares plain text per row.
REGISTERED_PROPOSALS_SQL = """
    SELECT id, counterparty_number, counterparty_vat, invoice_number, invoice_date,
           total_incl_vat, stage, document_number, journal
    FROM proposals WHERE office_id = $1 AND dossier_id = $2
      AND (counterparty_number = $3 OR counterparty_vat = $4)
      AND ($5::uuid IS NULL OR id <> $5)
      AND (invoice_number_digits = $6::text
           OR (invoice_date = $7::date AND abs(total_incl_vat) = abs($8::numeric)))
    ORDER BY created_at"""


async def registered_proposals(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    candidate: Registered,
    exclude: UUID | None = None,
) -> list[Registered]:
    """The dossier's proposals (in the worklist, sent or booked) of the candidate's counterparty
    that may be its duplicate: a superset of those `find_duplicate` matches, in creation order."""
    if candidate.counterparty_number is None and candidate.counterparty_vat is None:
        return []
    rows = await connection.fetch(
        REGISTERED_PROPOSALS_SQL,
        office_id,
        dossier_id,
        candidate.counterparty_number,
        candidate.counterparty_vat,
        exclude,
        number_digits(candidate.invoice_number),
        candidate.invoice_date,
        candidate.total_incl_vat,
    )
    return [
        Registered(
            counterparty_number=row["counterparty_number"],
            counterparty_vat=row["counterparty_vat"],
            invoice_number=row["invoice_number"],
            invoice_date=row["invoice_date"],
            total_incl_vat=row["total_incl_vat"],
            where=(
                f"booked as {row['journal']}/{row['document_number']}"
                if row["stage"] == "booked"
                else f"proposal {row['id']} in the worklist"
            ),
        )
        for row in rows
    ]


def sequence_columns(invoice_number: str | None) -> tuple[str | None, Decimal | None]:
    """`sequence_prefix` and `sequence_number` of a row (proposal or open item) with this invoice
    number, stored with it so that the sales sequence check finds the highest earlier number of
    a prefix on an index. Written wherever the invoice number is."""
    found = sequence_number(invoice_number)
    return (None, None) if found is None else (found.prefix, Decimal(found.number))


# The highest sales invoice number of a prefix already issued in the dossier: in the worklist
# (any stage, the proposal itself aside) and in the books' customer open items. One row of each
# at most, read from the end of the proposals_sales_sequence / ledger_open_items_sales_sequence
# indexes (0015_wlhot), instead of every sales invoice number of the dossier per sales invoice.
HIGHEST_SALES_NUMBERS_SQL = """
    (SELECT invoice_number FROM proposals
     WHERE office_id = $1 AND dossier_id = $2 AND mailbox = 'sales' AND sequence_prefix = $3
       AND ($4::uuid IS NULL OR id <> $4)
     ORDER BY sequence_number DESC LIMIT 1)
    UNION ALL
    (SELECT invoice_number FROM ledger_open_items
     WHERE office_id = $1 AND dossier_id = $2 AND kind = 'customer' AND sequence_prefix = $3
     ORDER BY sequence_number DESC LIMIT 1)"""


async def highest_sales_numbers(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    prefix: str,
    exclude: UUID | None = None,
) -> list[str]:
    """The highest sales invoice number of `prefix` already issued in the worklist and in the
    books (at most one of each): all the sequence check needs of the earlier numbers."""
    rows = await connection.fetch(HIGHEST_SALES_NUMBERS_SQL, office_id, dossier_id, prefix, exclude)
    return [row["invoice_number"] for row in rows]
