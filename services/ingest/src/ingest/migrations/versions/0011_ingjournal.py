"""The dossier's purchase and sales journals, kept from ledger.synced.v1 (a journal's own mail
address, `aankoop-<journal>-<code>@`, where the dossier has several of a type), and the journal
a document was mailed to.

Revision ID: 0011_ingjournal
Revises: 0010_ingest12
"""

from alembic import op

revision = "0011_ingjournal"
down_revision = "0010_ingest12"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ledger_journals (
            office_id        uuid    NOT NULL,
            dossier_id       uuid    NOT NULL,
            code             text    NOT NULL,
            type             text    NOT NULL CHECK (type IN ('purchase', 'sales')),
            credit_note_only boolean NOT NULL DEFAULT false,
            sync_id          uuid    NOT NULL,
            PRIMARY KEY (office_id, dossier_id, code)
        );
        CREATE INDEX ledger_journals_by_dossier ON ledger_journals (dossier_id);
        ALTER TABLE documents ADD COLUMN journal text;
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE documents DROP COLUMN journal; DROP TABLE ledger_journals")
