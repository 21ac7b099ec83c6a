"""Purchase invoices under approval, as approvals publishes them: only an approved one (or one
that never needed approval) is paid.

Revision ID: 0006_approvals
Revises: 0005_outbox
"""

from alembic import op

revision = "0006_approvals"
down_revision = "0005_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE invoice_approvals (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            status      text        NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            waiting_for text[]      NOT NULL DEFAULT '{}',
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE invoice_approvals;")
