"""ANALYZE skips the document-valued columns in COLUMNS: no query filters, joins or sorts on
them (see `ledgerline.messaging_schema.MESSAGE_PAYLOAD_COLUMNS`).

Revision ID: 0017_nostats
Revises: 0016_outboxraw
"""

from alembic import op
from ledgerline.messaging_schema import (
    MESSAGE_PAYLOAD_COLUMNS,
    with_default_planner_statistics,
    without_planner_statistics,
)

revision = "0017_nostats"
down_revision = "0016_outboxraw"
branch_labels = None
depends_on = None

COLUMNS = (
    *MESSAGE_PAYLOAD_COLUMNS,
    ("proposals", "lines"),
    ("proposals", "detail_lines"),
    ("proposals", "warnings"),
    ("proposals", "vat_breakdown"),
    ("recognized_documents", "recognition"),
)


def upgrade() -> None:
    op.execute(without_planner_statistics(COLUMNS))


def downgrade() -> None:
    op.execute(with_default_planner_statistics(COLUMNS))
