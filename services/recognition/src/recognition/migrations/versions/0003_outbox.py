"""Outbox rows that can never be published are parked; large event data is claim-checked.

Revision ID: 0003_outbox
Revises: 0002_tenancy
"""

from alembic import op
from ledgerline.messaging_schema import (
    DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL,
    OUTBOX_PARKING_CLAIM_CHECK_DDL,
)

revision = "0003_outbox"
down_revision = "0002_tenancy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_PARKING_CLAIM_CHECK_DDL)


def downgrade() -> None:
    op.execute(DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL)
