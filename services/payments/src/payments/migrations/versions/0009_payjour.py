"""Which open item of the books a document became (from booking.posted.v1), so that a payment of
the document names the item it settles; open items the books show settled are kept, paid.

Revision ID: 0009_payjour
Revises: 0008_suppliers
"""

from alembic import op

revision = "0009_payjour"
down_revision = "0008_suppliers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE booked_documents (
            office_id       uuid NOT NULL,
            dossier_id      uuid NOT NULL,
            document_id     uuid NOT NULL,
            journal         text NOT NULL,
            document_number text NOT NULL,
            PRIMARY KEY (office_id, document_id)
        );
        ALTER TABLE ledger_open_items ADD COLUMN settled_on date;
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE booked_documents; ALTER TABLE ledger_open_items DROP COLUMN settled_on;")
