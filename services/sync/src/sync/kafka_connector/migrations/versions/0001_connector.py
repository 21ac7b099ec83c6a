"""The connector's inbox (requests handled once) and outbox (answers published once).

Revision ID: 0001_connector
"""

from alembic import op
from ledgerline.messaging_schema import (
    DROP_OUTBOX_INBOX_DDL,
    DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL,
    OUTBOX_INBOX_DDL,
    OUTBOX_PARKING_CLAIM_CHECK_DDL,
)

revision = "0001_connector"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_INBOX_DDL)
    op.execute(OUTBOX_PARKING_CLAIM_CHECK_DDL)


def downgrade() -> None:
    op.execute(DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL)
    op.execute(DROP_OUTBOX_INBOX_DDL)
