"""The client's labels per document (document.received.v1, document.labels-changed.v1), kept
with the moment they were given so that the newest wins whatever the order of arrival; a
proposal is made with them.

Revision ID: 0014_wllabels
Revises: 0013_perfone
"""

from alembic import op

revision = "0014_wllabels"
down_revision = "0013_perfone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE document_labels (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            dossier_id  uuid        NOT NULL,
            labels      text[]      NOT NULL,
            labels_at   timestamptz NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE document_labels")
