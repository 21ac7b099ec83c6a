"""A purchase invoice's approval, as approvals publishes it: waiting (and for whom), approved or
rejected.

Revision ID: 0005_approvals
Revises: 0004_outbox
"""

from alembic import op

revision = "0005_approvals"
down_revision = "0004_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE documents
            ADD COLUMN approval_status text
                CHECK (approval_status IN ('pending', 'approved', 'rejected')),
            ADD COLUMN approval_waiting_for text[] NOT NULL DEFAULT '{}';
        """
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE documents DROP COLUMN approval_status, DROP COLUMN approval_waiting_for;"
    )
