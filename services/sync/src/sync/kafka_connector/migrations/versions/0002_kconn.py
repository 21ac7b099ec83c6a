"""What the connector's latest sync run of each dossier published (a fingerprint per record),
so that a delta run asked with ledger.sync-requested.v1 sends what changed since.

Revision ID: 0002_kconn
"""

from alembic import op

revision = "0002_kconn"
down_revision = "0001_connector"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The table of sync's own delta runs (sync.adapters.ledger reads and writes both).
    op.execute(
        """
        CREATE TABLE synced_records (
            dossier_id  uuid NOT NULL,
            kind        text NOT NULL,
            key         text NOT NULL,
            fingerprint text NOT NULL,
            PRIMARY KEY (dossier_id, kind, key)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE synced_records;")
