"""Ledger sync runs and postings to the accounting package, each visible with its status;
the days the nightly sync ran.

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
        CREATE TABLE ledger_syncs (
            id             uuid PRIMARY KEY,
            office_id      uuid        NOT NULL,
            dossier_id     uuid        NOT NULL,
            trigger        text        NOT NULL,
            status         text        NOT NULL,
            full_resync    boolean     NOT NULL,
            chunks         integer     NOT NULL DEFAULT 0,
            counterparties integer     NOT NULL DEFAULT 0,
            open_items     integer     NOT NULL DEFAULT 0,
            reason         text,
            requested_by   text,
            started_at     timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX ledger_syncs_by_dossier ON ledger_syncs (office_id, dossier_id, started_at);

        CREATE TABLE postings (
            proposal_id     uuid PRIMARY KEY,
            office_id       uuid        NOT NULL,
            dossier_id      uuid        NOT NULL,
            document_id     uuid,
            status          text        NOT NULL,
            journal         text,
            document_number text,
            period          text,
            transaction_id  text,
            reason          text,
            attempts        integer     NOT NULL DEFAULT 0,
            updated_at      timestamptz NOT NULL DEFAULT now()
        );
        CREATE INDEX postings_by_dossier ON postings (office_id, dossier_id, updated_at);

        -- One nightly sync per day, whichever sync process claims the day first.
        CREATE TABLE nightly_runs (
            day        date PRIMARY KEY,
            claimed_at timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE nightly_runs; DROP TABLE postings; DROP TABLE ledger_syncs;")
