"""Payment status of a document, as payments reports it.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE documents
            ADD COLUMN payment_status text
                CHECK (payment_status IN ('in_basket', 'in_processing', 'paid')),
            ADD COLUMN handled boolean NOT NULL DEFAULT false;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE documents DROP COLUMN payment_status, DROP COLUMN handled;")
