"""Outbox payloads and claim-checked event data are stored uncompressed (see
`ledgerline.messaging_schema.OUTBOX_UNCOMPRESSED_DDL`).

Revision ID: 0007_outboxraw
Revises: 0006_suppliers
"""

from alembic import op
from ledgerline.messaging_schema import DROP_OUTBOX_UNCOMPRESSED_DDL, OUTBOX_UNCOMPRESSED_DDL

revision = "0007_outboxraw"
down_revision = "0006_suppliers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_UNCOMPRESSED_DDL)


def downgrade() -> None:
    op.execute(DROP_OUTBOX_UNCOMPRESSED_DDL)
