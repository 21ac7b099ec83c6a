"""The duplicate ("! Ok") lookup reads only the proposals that may match: indexes on the invoice
number's digits and on the invoice date and total, so that a dossier with thousands of invoices
of one counterparty does not read them all for every new document. The digits are a stored
column (not an expression evaluated in the query) so that a plan that filters rows instead of
using the index, as on a new table without statistics, still compares plain text per row.

Revision ID: 0013_perfone
Revises: 0012_ingjournal
"""

from alembic import op

revision = "0013_perfone"
down_revision = "0012_ingjournal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE proposals ADD COLUMN invoice_number_digits text
            GENERATED ALWAYS AS (regexp_replace(invoice_number, '[^0-9]', '', 'g')) STORED;
        CREATE INDEX proposals_like_number
            ON proposals (office_id, dossier_id, invoice_number_digits);
        CREATE INDEX proposals_like_amount
            ON proposals (office_id, dossier_id, invoice_date, (abs(total_incl_vat)));
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX proposals_like_amount;
        DROP INDEX proposals_like_number;
        ALTER TABLE proposals DROP COLUMN invoice_number_digits;
        """
    )
