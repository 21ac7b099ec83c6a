"""The dossier's "sales invoice number out of sequence" check (seed 003: on unless the dossier
switched it off), an activation option carried by the dossier events.

Revision ID: 0008_wlstatus
Revises: 0007_kafkaconn
"""

from alembic import op

revision = "0008_wlstatus"
down_revision = "0007_kafkaconn"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE dossiers ADD COLUMN sales_sequence_check boolean NOT NULL DEFAULT true")


def downgrade() -> None:
    op.execute("ALTER TABLE dossiers DROP COLUMN sales_sequence_check")
