"""The client's labels of an incoming document (from ingest's document.received.v1 and
document.labels-changed.v1), with the time of the event they come from.

Revision ID: 0005_mailbox
Revises: 0004_approvals
"""

from alembic import op

revision = "0005_mailbox"
down_revision = "0004_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE incoming_documents
            ADD COLUMN labels       text[] NOT NULL DEFAULT '{}',
            ADD COLUMN labels_as_of timestamptz;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE incoming_documents DROP COLUMN labels, DROP COLUMN labels_as_of;")
