"""Payments made through the platform and their journalising in the books
(payment.settled.v1 -> the connector's journalise_payments, or payments.journalise-requested.v1).

Revision ID: 0009_payjour
Revises: 0008_wlstatus
"""

from alembic import op

revision = "0009_payjour"
down_revision = "0008_wlstatus"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE payment_journalisings (
            payment_id      uuid        PRIMARY KEY,
            office_id       uuid        NOT NULL,
            dossier_id      uuid        NOT NULL,
            document_id     uuid,
            amount          numeric(15, 2) NOT NULL,
            paid_on         date        NOT NULL,
            status          text        NOT NULL,
            journal         text,
            document_number text,
            transaction_id  text,
            reason          text,
            attempts        integer     NOT NULL DEFAULT 0,
            settled         jsonb       NOT NULL,
            created_at      timestamptz NOT NULL DEFAULT now(),
            updated_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX payment_journalisings_by_dossier
            ON payment_journalisings (office_id, dossier_id, status);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE payment_journalisings;")
