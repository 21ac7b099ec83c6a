"""Payments, payable invoices, payment settings, SEPA files; addresses of bank accounts.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE bank_accounts
            ADD COLUMN street text, ADD COLUMN building_number text, ADD COLUMN postal_code text,
            ADD COLUMN town text, ADD COLUMN country char(2);

        CREATE TABLE payment_settings (
            office_id         uuid    NOT NULL,
            dossier_id        uuid    PRIMARY KEY,
            approval_required boolean NOT NULL DEFAULT false,
            updated_at        timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE payable_invoices (
            document_id       uuid PRIMARY KEY,
            office_id         uuid           NOT NULL,
            dossier_id        uuid           NOT NULL,
            document_type     text,
            invoice_number    text,
            supplier_name     text,
            supplier_vat      text,
            supplier_town     text,
            supplier_country  text,
            due_date          date,
            currency          text,
            amount_due        numeric(15, 2),
            iban              text,
            bic               text,
            payment_reference text,
            recognized_at     timestamptz    NOT NULL DEFAULT now()
        );

        CREATE TABLE sepa_files (
            id                     uuid PRIMARY KEY,
            office_id              uuid           NOT NULL,
            dossier_id             uuid           NOT NULL,
            bank_account_id        uuid           NOT NULL REFERENCES bank_accounts (id),
            debtor_iban            text           NOT NULL,
            message_id             text           NOT NULL UNIQUE,
            format                 text           NOT NULL,
            number_of_transactions integer        NOT NULL,
            control_sum            numeric(17, 2) NOT NULL,
            hash_algorithm         text           NOT NULL,
            integrity_hash         text           NOT NULL,
            sha256                 text           NOT NULL,
            content                bytea          NOT NULL,
            summary                jsonb          NOT NULL,
            created_by             text           NOT NULL,
            created_at             timestamptz    NOT NULL DEFAULT now()
        );
        CREATE INDEX sepa_files_by_dossier ON sepa_files (office_id, dossier_id, created_at);

        CREATE TABLE sepa_file_emails (
            id        uuid PRIMARY KEY,
            file_id   uuid        NOT NULL REFERENCES sepa_files (id),
            recipient text        NOT NULL,
            sent_by   text        NOT NULL,
            sent_at   timestamptz NOT NULL DEFAULT now()
        );

        CREATE TABLE payments (
            id                 uuid PRIMARY KEY,
            office_id          uuid           NOT NULL,
            dossier_id         uuid           NOT NULL,
            document_id        uuid,
            bank_account_id    uuid           NOT NULL REFERENCES bank_accounts (id),
            method             text           NOT NULL CHECK (method IN ('basket', 'qr')),
            status             text           NOT NULL CHECK (status IN ('awaiting_approval',
                               'in_basket', 'in_processing', 'qr_issued', 'paid', 'rejected')),
            status_reason      text,
            creditor_name      text           NOT NULL,
            creditor_iban      text           NOT NULL,
            creditor_bic       text,
            creditor_bank_name text,
            creditor_town      text,
            creditor_country   text,
            amount             numeric(13, 2) NOT NULL CHECK (amount > 0),
            currency           char(3)        NOT NULL,
            remittance_type    text           NOT NULL,
            remittance_value   text,
            execution_date     date           NOT NULL,
            sepa_file_id       uuid REFERENCES sepa_files (id),
            end_to_end_id      text,
            created_by         text           NOT NULL,
            created_at         timestamptz    NOT NULL DEFAULT now(),
            updated_at         timestamptz    NOT NULL DEFAULT now()
        );
        CREATE INDEX payments_by_status ON payments (office_id, dossier_id, status);
        CREATE INDEX payments_by_document ON payments (document_id);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP TABLE payments; DROP TABLE sepa_file_emails; DROP TABLE sepa_files; "
        "DROP TABLE payable_invoices; DROP TABLE payment_settings; "
        "ALTER TABLE bank_accounts DROP COLUMN street, DROP COLUMN building_number, "
        "DROP COLUMN postal_code, DROP COLUMN town, DROP COLUMN country;"
    )
