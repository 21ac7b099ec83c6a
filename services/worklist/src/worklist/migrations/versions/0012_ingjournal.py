"""The journal a submitted document was mailed to (document.submitted.v1's `journal`): the
proposal is made in it where it fits.

Revision ID: 0012_ingjournal
Revises: 0011_wlmerge
"""

from alembic import op

revision = "0012_ingjournal"
down_revision = "0011_wlmerge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE submitted_documents ADD COLUMN journal text")


def downgrade() -> None:
    op.execute("ALTER TABLE submitted_documents DROP COLUMN journal")
