"""Each dossier's invoice approval process switch, from approvals'
invoice.approval-process-switched.v1: while it is on, a purchase invoice awaits approval from
its arrival.

Revision ID: 0008_suppliers
Revises: 0007_mailbox
"""

from alembic import op
from ledgerline.invoice_approval_process import PROCESS_TABLE

revision = "0008_suppliers"
down_revision = "0007_mailbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(PROCESS_TABLE)


def downgrade() -> None:
    op.execute("DROP TABLE invoice_approval_process;")
