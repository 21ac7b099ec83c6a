"""Dossiers (as ingest knows them), documents, outbox and inbox.

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
            id              uuid PRIMARY KEY,
            office_id       uuid    NOT NULL,
            name            text    NOT NULL,
            email_domain    text    NOT NULL,
            auto_forward_purchase boolean NOT NULL DEFAULT false,
            auto_forward_sales    boolean NOT NULL DEFAULT false
        );

        CREATE TABLE documents (
            id                 uuid PRIMARY KEY,
            office_id          uuid        NOT NULL,
            dossier_id         uuid        NOT NULL REFERENCES dossiers (id),
            mailbox            text        NOT NULL CHECK (mailbox IN ('purchase', 'sales', 'misc')),
            channel            text        NOT NULL,
            filename           text        NOT NULL,
            content_type       text        NOT NULL,
            size_bytes         integer     NOT NULL,
            sha256             text        NOT NULL,
            content            bytea       NOT NULL,
            status             text        NOT NULL DEFAULT 'in_mailbox'
                               CHECK (status IN ('in_mailbox', 'in_processing', 'booked', 'deleted')),
            delivered_by       text        NOT NULL,
            received_at        timestamptz NOT NULL DEFAULT now(),
            submitted_at       timestamptz,
            recognition_status text,
            counterparty_name  text,
            total_incl_vat     numeric(15, 2),
            currency           text
        );
        CREATE INDEX documents_by_mailbox ON documents (office_id, dossier_id, mailbox, status);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE documents; DROP TABLE dossiers;")
    op.execute(DROP_OUTBOX_INBOX_DDL)
