"""The dossier's ledger master data, kept from ledger.synced.v1: counterparties, GL accounts,
VAT codes, journals and booking periods.

Revision ID: 0004_posting
Revises: 0003_outbox
"""

from alembic import op

revision = "0004_posting"
down_revision = "0003_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ledger_counterparties (
            office_id          uuid   NOT NULL,
            dossier_id         uuid   NOT NULL,
            number             text   NOT NULL,
            kind               text   NOT NULL,
            name               text   NOT NULL,
            vat_number         text,
            ibans              text[] NOT NULL DEFAULT '{}',
            currency           text   NOT NULL,
            default_gl_account text,
            default_vat_code   text,
            sync_id            uuid   NOT NULL,
            PRIMARY KEY (office_id, dossier_id, number)
        );
        CREATE INDEX ledger_counterparties_by_vat ON ledger_counterparties (office_id, dossier_id, vat_number);

        -- GL accounts, VAT codes, journals and periods: the connector contract's record as is.
        CREATE TABLE ledger_master_data (
            office_id  uuid  NOT NULL,
            dossier_id uuid  NOT NULL,
            kind       text  NOT NULL CHECK (kind IN ('account', 'vat_code', 'journal', 'period')),
            code       text  NOT NULL,
            record     jsonb NOT NULL,
            sync_id    uuid  NOT NULL,
            PRIMARY KEY (office_id, dossier_id, kind, code)
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE ledger_master_data; DROP TABLE ledger_counterparties;")
