"""Outbox rows that can never be published are parked; large event data is claim-checked.

Revision ID: 0004_outbox
Revises: 0003_tenancy
"""

from alembic import op
from ledgerline.messaging_schema import (
    DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL,
    OUTBOX_PARKING_CLAIM_CHECK_DDL,
)

revision = "0004_outbox"
down_revision = "0003_tenancy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_PARKING_CLAIM_CHECK_DDL)


def downgrade() -> None:
    op.execute(DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL)
