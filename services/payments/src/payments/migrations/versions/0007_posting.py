"""The dossier's open items as the books show them (amount, amount paid), from ledger.synced.v1.

Revision ID: 0007_posting
Revises: 0006_approvals
"""

from alembic import op

revision = "0007_posting"
down_revision = "0006_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ledger_open_items (
            office_id                uuid           NOT NULL,
            dossier_id               uuid           NOT NULL,
            journal                  text           NOT NULL,
            document_number          text           NOT NULL,
            kind                     text           NOT NULL,
            counterparty_number      text           NOT NULL,
            invoice_number           text,
            invoice_date             date           NOT NULL,
            due_date                 date,
            currency                 text           NOT NULL,
            amount                   numeric(15, 2) NOT NULL,
            amount_paid              numeric(15, 2) NOT NULL,
            structured_communication text,
            sync_id                  uuid           NOT NULL,
            PRIMARY KEY (office_id, dossier_id, journal, document_number)
        );
        CREATE INDEX ledger_open_items_by_due ON ledger_open_items (office_id, dossier_id, due_date);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE ledger_open_items;")
