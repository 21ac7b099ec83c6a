"""Two lookups per document that read a whole dossier become indexed ones (issue 13):

- the duplicate ("! Ok") check against the books' open items: the invoice number's digits are a
  stored column of ledger_open_items (as of proposals, 0013_perfone), looked up with the date and
  amount on indexes per counterparty, instead of a regular expression over every open item of
  the counterparty;
- the sales sequence check: every proposal and open item keeps its invoice number's sequence
  prefix and number (`2026-0177`: `2026-` and 177, as `worklist.domain.warnings.sequence_number`
  reads it), so the highest earlier number of a prefix is read from the end of an index instead
  of every sales invoice number of the dossier. These are computed in Python (Unicode digits and
  whitespace as the check reads them), written with the invoice number, and filled in here for
  the rows already there.

Revision ID: 0015_wlhot
Revises: 0014_wllabels
"""

import sqlalchemy as sa
from alembic import op
from worklist.domain.warnings import sequence_number

revision = "0015_wlhot"
down_revision = "0014_wllabels"
branch_labels = None
depends_on = None

BATCH = 10_000


def _fill_sequence_columns(table: str) -> None:
    """Each distinct invoice number's prefix and number, set on the table's rows that have it."""
    connection = op.get_bind()
    numbers = connection.execute(
        sa.text(f"SELECT DISTINCT invoice_number FROM {table} WHERE invoice_number IS NOT NULL")
    ).scalars()
    keyed = [
        (number, found.prefix, str(found.number))
        for number in numbers
        if (found := sequence_number(number)) is not None
    ]
    for start in range(0, len(keyed), BATCH):
        batch = keyed[start : start + BATCH]
        connection.execute(
            sa.text(
                f"""UPDATE {table} t SET sequence_prefix = k.prefix,
                        sequence_number = k.number::numeric
                    FROM unnest(CAST(:numbers AS text[]), CAST(:prefixes AS text[]),
                                CAST(:values AS text[])) AS k(invoice_number, prefix, number)
                    WHERE t.invoice_number = k.invoice_number"""
            ),
            {
                "numbers": [row[0] for row in batch],
                "prefixes": [row[1] for row in batch],
                "values": [row[2] for row in batch],
            },
        )


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE ledger_open_items
            ADD COLUMN invoice_number_digits text
                GENERATED ALWAYS AS (regexp_replace(invoice_number, '[^0-9]', '', 'g')) STORED,
            ADD COLUMN sequence_prefix text,
            ADD COLUMN sequence_number numeric;
        ALTER TABLE proposals
            ADD COLUMN sequence_prefix text,
            ADD COLUMN sequence_number numeric;
        """
    )
    _fill_sequence_columns("ledger_open_items")
    _fill_sequence_columns("proposals")
    op.execute(
        """
        -- The by-counterparty index is the first columns of the number one: it goes.
        DROP INDEX ledger_open_items_by_counterparty;
        CREATE INDEX ledger_open_items_like_number
            ON ledger_open_items (office_id, dossier_id, counterparty_number, invoice_number_digits);
        CREATE INDEX ledger_open_items_like_amount
            ON ledger_open_items (office_id, dossier_id, counterparty_number, invoice_date,
                                  (abs(amount)));
        CREATE INDEX ledger_open_items_sales_sequence
            ON ledger_open_items (office_id, dossier_id, sequence_prefix, sequence_number)
            WHERE kind = 'customer';
        CREATE INDEX proposals_sales_sequence
            ON proposals (office_id, dossier_id, sequence_prefix, sequence_number)
            WHERE mailbox = 'sales';
        ANALYZE ledger_open_items;
        ANALYZE proposals;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX proposals_sales_sequence;
        DROP INDEX ledger_open_items_sales_sequence;
        DROP INDEX ledger_open_items_like_amount;
        DROP INDEX ledger_open_items_like_number;
        CREATE INDEX ledger_open_items_by_counterparty
            ON ledger_open_items (office_id, dossier_id, counterparty_number);
        ALTER TABLE proposals DROP COLUMN sequence_prefix, DROP COLUMN sequence_number;
        ALTER TABLE ledger_open_items DROP COLUMN invoice_number_digits,
            DROP COLUMN sequence_prefix, DROP COLUMN sequence_number;
        """
    )
