"""Dossiers, outbox and inbox.

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
        CREATE TABLE dossiers (
            id                 uuid PRIMARY KEY,
            office_id          uuid        NOT NULL,
            name               text        NOT NULL,
            vat_number         text,
            accounting_package text        NOT NULL,
            dossier_code       text        NOT NULL,
            configuration      char(1)     NOT NULL,
            language           text        NOT NULL,
            activated_at       timestamptz NOT NULL DEFAULT now(),
            UNIQUE (office_id, accounting_package, dossier_code)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE dossiers;")
    op.execute(DROP_OUTBOX_INBOX_DDL)
