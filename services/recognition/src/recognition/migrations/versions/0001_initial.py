"""Recognition results, outbox and inbox.

Revision ID: 0001
"""

from alembic import op
from ledgerline.messaging_schema import DROP_OUTBOX_INBOX_DDL, OUTBOX_INBOX_DDL

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_INBOX_DDL)
    op.execute(
        """
        CREATE TABLE recognitions (
            document_id   uuid PRIMARY KEY,
            office_id     uuid        NOT NULL,
            dossier_id    uuid        NOT NULL,
            status        text        NOT NULL,
            source        text        NOT NULL,
            confidence    numeric(4, 3) NOT NULL,
            reason        text,
            result        jsonb       NOT NULL,
            recognized_at timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX recognitions_by_dossier ON recognitions (office_id, dossier_id);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE recognitions;")
    op.execute(DROP_OUTBOX_INBOX_DDL)
