"""The dossier's posted booking history for templates and learnt suggestions: a booking joins
the history once both its validated proposal (proposal.validated.v1: counterparty and lines) and
its posting (booking.posted.v1) have arrived, in either order.

Revision ID: 0006_suggest
Revises: 0005_booking
"""

from alembic import op

revision = "0006_suggest"
down_revision = "0005_booking"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE SEQUENCE suggestion_history_seq;
        CREATE TABLE suggestion_bookings (
            office_id      uuid        NOT NULL,
            dossier_id     uuid        NOT NULL,
            proposal_id    uuid        NOT NULL,
            -- The counterparty's number in the package, or 'vat:<VAT number>' without one.
            counterparty   text,
            booked_on      date,
            lines          jsonb,
            validated_at   timestamptz,
            posted_at      timestamptz,
            -- Set once both halves are in: the order in which the dossier's history learns.
            history_seq    bigint,
            PRIMARY KEY (office_id, dossier_id, proposal_id)
        );
        CREATE INDEX suggestion_bookings_history
            ON suggestion_bookings (office_id, dossier_id, history_seq)
            WHERE history_seq IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE suggestion_bookings; DROP SEQUENCE suggestion_history_seq;")
