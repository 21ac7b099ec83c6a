"""How far each document got in the dossier's invoice approval and payment (from approvals' and
payments' events): a proposal whose document was approved, rejected, awaits approval or is in
payment is not moved to another dossier.

Revision ID: 0011_wlmerge
Revises: 0010_wlstatus
"""

from alembic import op

revision = "0011_wlmerge"
down_revision = "0010_wlstatus"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE document_progress (
            document_id uuid PRIMARY KEY,
            office_id   uuid        NOT NULL,
            approval    text        CHECK (approval IN ('pending', 'approved', 'rejected')),
            payment     text        CHECK (payment IN ('awaiting_approval', 'in_basket', 'in_processing',
                                                'paid')),
            updated_at  timestamptz NOT NULL DEFAULT now()
        );
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE document_progress;")
