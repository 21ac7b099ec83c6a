"""Each dossier's validation mode (office / hybrid / client), kept from the dossier events.

Revision ID: 0008_validation
Revises: 0007_conversations
"""

from alembic import op

revision = "0008_validation"
down_revision = "0007_conversations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE dossier_settings (
            dossier_id uuid PRIMARY KEY,
            office_id  uuid        NOT NULL,
            validation text        NOT NULL CHECK (validation IN ('office', 'hybrid', 'client')),
            as_of      timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE dossier_settings")
