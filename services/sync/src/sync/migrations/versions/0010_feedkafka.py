"""When sync's copy of a Kafka-connected dossier's books was last brought up to date (the
feedback reports computed from it say how fresh they are).

Revision ID: 0010_feedkafka
Revises: 0009_payjour
"""

from alembic import op

revision = "0010_feedkafka"
down_revision = "0009_payjour"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        -- The `synced_at` of the latest ledger.synced.v1 chunk of an external connector applied
        -- to connector_records: when the connector read the books sync's copy shows.
        CREATE TABLE connector_books (
            dossier_id uuid        PRIMARY KEY,
            synced_at  timestamptz NOT NULL
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE connector_books;")
