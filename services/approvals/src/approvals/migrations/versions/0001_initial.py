"""Invoice approval rules, outbox and inbox.

Revision ID: 0001
"""

from alembic import op
from ledgerline.messaging_schema import DROP_OUTBOX_INBOX_DDL, OUTBOX_INBOX_DDL

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(OUTBOX_INBOX_DDL)
    op.execute(
        """
        CREATE TABLE invoice_approval_rules (
            id           uuid PRIMARY KEY,
            office_id    uuid          NOT NULL,
            dossier_id   uuid          NOT NULL,
            name         text          NOT NULL,
            supplier_vats text[]       NOT NULL DEFAULT '{}',
            labels       text[]        NOT NULL DEFAULT '{}',
            amount_from  numeric(15, 2),
            approvers    text[]        NOT NULL,
            is_fallback  boolean       NOT NULL DEFAULT false,
            active       boolean       NOT NULL DEFAULT true,
            created_at   timestamptz   NOT NULL DEFAULT now()
        );
        CREATE INDEX rules_by_dossier ON invoice_approval_rules (office_id, dossier_id);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE invoice_approval_rules;")
    op.execute(DROP_OUTBOX_INBOX_DDL)
