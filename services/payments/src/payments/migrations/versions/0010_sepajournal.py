"""Journalising a SEPA file's payments: when the file went to the bank (first download, first
e-mail), when the office journalised it, and when each of its payments was journalised; the
bank's last payment status report (pain.002) imported for the file.

Revision ID: 0010_sepajournal
Revises: 0009_payjour
"""

from alembic import op

revision = "0010_sepajournal"
down_revision = "0009_payjour"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE sepa_files
            ADD COLUMN downloaded_at  timestamptz,
            ADD COLUMN downloaded_by  text,
            ADD COLUMN journalised_at timestamptz,
            ADD COLUMN journalised_by text,
            ADD COLUMN status_report_message_id text,
            ADD COLUMN status_report_at timestamptz;
        ALTER TABLE payments ADD COLUMN journalised_at timestamptz;
        -- A file's first e-mail is read with every file record (its `emailed_at`).
        CREATE INDEX sepa_file_emails_by_file ON sepa_file_emails (file_id, sent_at);
        """
    )


def downgrade() -> None:
    op.execute(
        "DROP INDEX sepa_file_emails_by_file; ALTER TABLE payments DROP COLUMN journalised_at; "
        "ALTER TABLE sepa_files DROP COLUMN downloaded_at, DROP COLUMN downloaded_by, "
        "DROP COLUMN journalised_at, DROP COLUMN journalised_by, "
        "DROP COLUMN status_report_message_id, DROP COLUMN status_report_at;"
    )
