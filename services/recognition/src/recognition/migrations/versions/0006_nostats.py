"""ANALYZE skips the document-valued columns in COLUMNS: no query filters, joins or sorts on
them (see `ledgerline.messaging_schema.MESSAGE_PAYLOAD_COLUMNS`).

Revision ID: 0006_nostats
Revises: 0005_outboxraw
"""

from alembic import op
from ledgerline.messaging_schema import (
    MESSAGE_PAYLOAD_COLUMNS,
    with_default_planner_statistics,
    without_planner_statistics,
)

revision = "0006_nostats"
down_revision = "0005_outboxraw"
branch_labels = None
depends_on = None

COLUMNS = (
    *MESSAGE_PAYLOAD_COLUMNS,
    ("received_documents", "received"),
    ("recognitions", "result"),
)


def upgrade() -> None:
    op.execute(without_planner_statistics(COLUMNS))


def downgrade() -> None:
    op.execute(with_default_planner_statistics(COLUMNS))
