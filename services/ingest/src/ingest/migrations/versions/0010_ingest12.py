"""The invoice number recognition read, kept with the document: the mailbox's free text searches
it, as it does the name and the counterparty.

Revision ID: 0010_ingest12
Revises: 0009_pdfops
"""

from alembic import op

revision = "0010_ingest12"
down_revision = "0009_pdfops"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE documents ADD COLUMN invoice_number text")


def downgrade() -> None:
    op.execute("ALTER TABLE documents DROP COLUMN invoice_number")
