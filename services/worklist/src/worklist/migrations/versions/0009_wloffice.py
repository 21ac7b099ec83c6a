"""A proposal waiting for its document to be read again (re-run recognition).

Revision ID: 0009_wloffice
Revises: 0008_validation
"""

from alembic import op

revision = "0009_wloffice"
down_revision = "0008_validation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE proposals ADD COLUMN recognition_requested_at timestamptz")


def downgrade() -> None:
    op.execute("ALTER TABLE proposals DROP COLUMN recognition_requested_at")
