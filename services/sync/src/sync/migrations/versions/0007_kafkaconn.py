"""Dossiers whose package is reached over Kafka (an external connector), and sync's copy of the
ledger records it needs to turn a proposal into a booking for such a dossier.

Revision ID: 0007_kafkaconn
Revises: 0006_feedback
"""

from alembic import op

revision = "0007_kafkaconn"
down_revision = "0006_feedback"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE dossiers ADD COLUMN connector text NOT NULL DEFAULT 'in_process'
            CHECK (connector IN ('in_process', 'kafka'));

        -- What an external connector published in ledger.synced.v1 (journals, counterparties,
        -- GL accounts): sync resolves a proposal's journal, counterparty and suspense account
        -- from it, as it does from the snapshot of an in-process connector.
        CREATE TABLE connector_records (
            dossier_id uuid  NOT NULL,
            kind       text  NOT NULL,
            key        text  NOT NULL,
            record     jsonb NOT NULL,
            sync_id    uuid  NOT NULL,
            PRIMARY KEY (dossier_id, kind, key)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE connector_records; ALTER TABLE dossiers DROP COLUMN connector;")
