"""Merge and split: a source document is kept in the archive (status `archived`) with the
documents made of it (`replaced_by`); each of those names its sources (`derived_from`).

Revision ID: 0009_pdfops
Revises: 0008_suppliers
"""

from alembic import op

revision = "0009_pdfops"
down_revision = "0008_suppliers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE documents DROP CONSTRAINT documents_status_check;
        ALTER TABLE documents
            ADD CONSTRAINT documents_status_check CHECK (
                status IN ('in_mailbox', 'in_processing', 'booked', 'deleted', 'archived')
            ),
            ADD COLUMN derived_from uuid[] NOT NULL DEFAULT '{}',
            ADD COLUMN replaced_by  uuid[] NOT NULL DEFAULT '{}',
            ADD COLUMN archived_at  timestamptz;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        ALTER TABLE documents DROP CONSTRAINT documents_status_check;
        UPDATE documents SET status = 'deleted', deleted_at = archived_at,
                             deleted_by = 'downgrade 0008_pdfops',
                             delete_reason = 'merged or split into another document'
            WHERE status = 'archived';
        ALTER TABLE documents
            ADD CONSTRAINT documents_status_check CHECK (
                status IN ('in_mailbox', 'in_processing', 'booked', 'deleted')
            ),
            DROP COLUMN derived_from, DROP COLUMN replaced_by, DROP COLUMN archived_at;
        """
    )
