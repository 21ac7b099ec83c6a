"""The booking factory: enriched proposals with detail lines, review flags, sending and booking;
the books' open items for the duplicate check.

Revision ID: 0005_booking
Revises: 0004_posting
"""

from alembic import op

revision = "0005_booking"
down_revision = "0004_posting"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE proposals
            ADD COLUMN mailbox             text NOT NULL DEFAULT 'purchase'
                CHECK (mailbox IN ('purchase', 'sales', 'misc')),
            ADD COLUMN recognition_status  text,
            ADD COLUMN auto_status         text,
            ADD COLUMN counterparty_number text,
            ADD COLUMN counterparty_match  text CHECK (counterparty_match IN ('vat', 'iban', 'name')),
            ADD COLUMN exchange_rate       numeric(18, 6),
            ADD COLUMN financial_discount  numeric(5, 2),
            ADD COLUMN labels              text[]  NOT NULL DEFAULT '{}',
            ADD COLUMN booking_instruction text,
            ADD COLUMN detail_lines        jsonb   NOT NULL DEFAULT '[]',
            ADD COLUMN possible_duplicate  boolean NOT NULL DEFAULT false,
            ADD COLUMN checked             boolean NOT NULL DEFAULT false,
            ADD COLUMN on_hold             boolean NOT NULL DEFAULT false,
            ADD COLUMN help_asked          boolean NOT NULL DEFAULT false,
            ADD COLUMN stage               text    NOT NULL DEFAULT 'open'
                CHECK (stage IN ('open', 'sent', 'booked')),
            ADD COLUMN confidence          numeric(4, 3),
            ADD COLUMN document_number     text,
            ADD COLUMN booking_error       text,
            ADD COLUMN validated_by        text,
            ADD COLUMN sent_at             timestamptz,
            ADD COLUMN booked_at           timestamptz,
            ADD COLUMN updated_at          timestamptz NOT NULL DEFAULT now();

        UPDATE proposals p SET mailbox = s.mailbox
        FROM submitted_documents s WHERE s.document_id = p.document_id;
        UPDATE proposals SET
            auto_status = status,
            recognition_status = CASE WHEN status IN ('ok_new', 'ok_duplicate') THEN 'ok' ELSE status END,
            possible_duplicate = (status = 'ok_duplicate');
        ALTER TABLE proposals ALTER COLUMN auto_status SET NOT NULL,
                              ALTER COLUMN recognition_status SET NOT NULL;

        -- Warnings become {code, message} objects; the old ones were duplicate messages only,
        -- which possible_duplicate now keeps.
        ALTER TABLE proposals DROP COLUMN warnings;
        ALTER TABLE proposals ADD COLUMN warnings jsonb NOT NULL DEFAULT '[]';

        CREATE INDEX proposals_by_counterparty_number
            ON proposals (office_id, dossier_id, counterparty_number);

        -- The books' open items (ledger.synced.v1): invoices already registered in the package.
        CREATE TABLE ledger_open_items (
            office_id           uuid    NOT NULL,
            dossier_id          uuid    NOT NULL,
            journal             text    NOT NULL,
            document_number     text    NOT NULL,
            kind                text    NOT NULL,
            counterparty_number text    NOT NULL,
            invoice_number      text,
            invoice_date        date    NOT NULL,
            amount              numeric(15, 2) NOT NULL,
            sync_id             uuid    NOT NULL,
            PRIMARY KEY (office_id, dossier_id, journal, document_number)
        );
        CREATE INDEX ledger_open_items_by_counterparty
            ON ledger_open_items (office_id, dossier_id, counterparty_number);
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP TABLE ledger_open_items;
        DROP INDEX proposals_by_counterparty_number;
        ALTER TABLE proposals DROP COLUMN warnings;
        ALTER TABLE proposals ADD COLUMN warnings text[] NOT NULL DEFAULT '{}';
        ALTER TABLE proposals
            DROP COLUMN mailbox, DROP COLUMN recognition_status, DROP COLUMN auto_status,
            DROP COLUMN counterparty_number, DROP COLUMN counterparty_match,
            DROP COLUMN exchange_rate, DROP COLUMN financial_discount, DROP COLUMN labels,
            DROP COLUMN booking_instruction, DROP COLUMN detail_lines,
            DROP COLUMN possible_duplicate, DROP COLUMN checked, DROP COLUMN on_hold,
            DROP COLUMN help_asked, DROP COLUMN stage, DROP COLUMN confidence,
            DROP COLUMN document_number, DROP COLUMN booking_error, DROP COLUMN validated_by,
            DROP COLUMN sent_at, DROP COLUMN booked_at, DROP COLUMN updated_at;
        """
    )
