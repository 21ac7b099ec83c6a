"""Outbox payloads and claim-checked event data are stored uncompressed (see
`ledgerline.messaging_schema.OUTBOX_UNCOMPRESSED_DDL`).

Revision ID: 0016_outboxraw
Revises: 0015_wlhot
"""

from alembic import op
from ledgerline.messaging_schema import DROP_OUTBOX_UNCOMPRESSED_DDL, OUTBOX_UNCOMPRESSED_DDL

revision = "0016_outboxraw"
down_revision = "0015_wlhot"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_UNCOMPRESSED_DDL)


def downgrade() -> None:
    op.execute(DROP_OUTBOX_UNCOMPRESSED_DDL)
