"""Where a proposal's detail lines came from (`lines_source`); the dossier's switch of the
"sales invoice number out of sequence" check, kept from the dossier events; and the documents
deleted in their mailbox (document.deleted.v1), which get no proposal.

Revision ID: 0010_wlstatus
Revises: 0009_wloffice
"""

from alembic import op

revision = "0010_wlstatus"
down_revision = "0009_wloffice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE proposals ADD COLUMN lines_source text NOT NULL DEFAULT 'default'
            CHECK (lines_source IN ('template', 'model', 'default', 'suspense', 'manual'));
        ALTER TABLE dossier_settings ADD COLUMN sales_sequence_check boolean NOT NULL DEFAULT true;
        CREATE TABLE deleted_documents (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            deleted_by  text        NOT NULL,
            deleted_at  timestamptz NOT NULL,
            reason      text
        );
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE deleted_documents;
        ALTER TABLE dossier_settings DROP COLUMN sales_sequence_check;
        ALTER TABLE proposals DROP COLUMN lines_source;
        """
    )
