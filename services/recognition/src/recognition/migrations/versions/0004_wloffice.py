"""What each document was received as (content URL, type, mailbox, the dossier's VAT number), so
that recognition can read it again when the office asks (document.recognition-requested.v1).

Revision ID: 0004_wloffice
Revises: 0003_outbox
"""

from alembic import op

revision = "0004_wloffice"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE received_documents (
            document_id uuid PRIMARY KEY,
            office_id   uuid  NOT NULL,
            dossier_id  uuid  NOT NULL,
            received    jsonb NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE received_documents")
