"""Booking proposals and what they are made from, outbox and inbox.

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
        CREATE TABLE recognized_documents (
            document_id uuid PRIMARY KEY,
            office_id   uuid  NOT NULL,
            dossier_id  uuid  NOT NULL,
            recognition jsonb NOT NULL
        );

        CREATE TABLE submitted_documents (
            document_id  uuid PRIMARY KEY,
            office_id    uuid        NOT NULL,
            dossier_id   uuid        NOT NULL,
            mailbox      text        NOT NULL,
            submitted_at timestamptz NOT NULL
        );

        CREATE TABLE counterparties (
            office_id  uuid NOT NULL,
            dossier_id uuid NOT NULL,
            vat_number text NOT NULL,
            name       text NOT NULL,
            PRIMARY KEY (office_id, dossier_id, vat_number)
        );

        CREATE TABLE proposals (
            id                 uuid PRIMARY KEY,
            office_id          uuid        NOT NULL,
            dossier_id         uuid        NOT NULL,
            document_id        uuid        NOT NULL UNIQUE,
            source             text        NOT NULL,
            status             text        NOT NULL,
            document_type      text,
            journal            text        NOT NULL,
            period             text,
            invoice_number     text,
            invoice_date       date,
            due_date           date,
            counterparty_name  text,
            counterparty_vat   text,
            counterparty_known boolean     NOT NULL,
            currency           text,
            total_excl_vat     numeric(15, 2),
            total_vat          numeric(15, 2),
            total_incl_vat     numeric(15, 2),
            iban               text,
            payment_reference  text,
            vat_breakdown      jsonb       NOT NULL DEFAULT '[]',
            lines              jsonb       NOT NULL DEFAULT '[]',
            warnings           text[]      NOT NULL DEFAULT '{}',
            created_at         timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX proposals_by_dossier ON proposals (office_id, dossier_id, created_at);
        CREATE INDEX proposals_duplicates ON proposals (office_id, dossier_id, counterparty_vat, invoice_number);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE proposals; DROP TABLE counterparties; DROP TABLE submitted_documents; "
        "DROP TABLE recognized_documents;"
    )
    op.execute(DROP_OUTBOX_INBOX_DDL)
