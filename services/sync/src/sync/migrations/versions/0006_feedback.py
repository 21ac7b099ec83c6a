"""The active clients monitor: each document's state kept from events, and per dossier the
bookings counter's reset, the oldest open period and the books' "up to date until".

Revision ID: 0006_feedback
Revises: 0005_office
"""

from alembic import op

revision = "0006_feedback"
down_revision = "0005_office"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE monitor_documents (
            document_id      uuid PRIMARY KEY,
            office_id        uuid        NOT NULL,
            dossier_id       uuid        NOT NULL,
            stage            text        NOT NULL,
            worklist_status  text,
            received_at      timestamptz,
            changed_at       timestamptz,
            posted_at        timestamptz,
            failed           boolean     NOT NULL DEFAULT false,
            failed_retryable boolean     NOT NULL DEFAULT false,
            failure_reason   text
        );
        CREATE INDEX monitor_documents_by_dossier ON monitor_documents (office_id, dossier_id);

        CREATE TABLE monitor_dossiers (
            dossier_id                uuid PRIMARY KEY,
            office_id                 uuid        NOT NULL,
            bookings_counter_reset_at timestamptz,
            oldest_open_period        text,
            periods_sync_id           uuid,
            up_to_date_until          date
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE monitor_dossiers; DROP TABLE monitor_documents;")
