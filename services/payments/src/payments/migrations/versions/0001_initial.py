"""Dossier bank accounts, outbox and inbox.

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
        CREATE TABLE bank_accounts (
            id             uuid PRIMARY KEY,
            office_id      uuid        NOT NULL,
            dossier_id     uuid        NOT NULL,
            iban           text        NOT NULL,
            bic            text,
            bank_name      text,
            holder_name    text        NOT NULL,
            hash_algorithm text        NOT NULL DEFAULT 'sha256' CHECK (hash_algorithm IN ('sha256', 'sha1')),
            created_at     timestamptz NOT NULL DEFAULT now(),
            UNIQUE (office_id, dossier_id, iban)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE bank_accounts;")
    op.execute(DROP_OUTBOX_INBOX_DDL)
