"""What approvals keeps of other services' data to check and match its rules: the dossier's
counterparties from ledger.synced.v1 (rules name suppliers by number or VAT number; an invoice is
resolved to its supplier by VAT number or IBAN), the dossier's users from
dossier.users-changed.v1 (only they may be named approvers), and invoice rules by counterparty
number.

Revision ID: 0006_suppliers
Revises: 0005_mailbox
"""

from alembic import op
from ledgerline.counterparty_copy import COUNTERPARTIES_TABLE

revision = "0006_suppliers"
down_revision = "0005_mailbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(COUNTERPARTIES_TABLE)
    op.execute(
        """
        CREATE TABLE dossier_users (
            office_id  uuid NOT NULL,
            dossier_id uuid NOT NULL,
            subject    text NOT NULL,
            name       text NOT NULL,
            email      text NOT NULL,
            profile    text NOT NULL,
            PRIMARY KEY (office_id, dossier_id, subject)
        );

        ALTER TABLE invoice_approval_rules
            ADD COLUMN supplier_numbers text[] NOT NULL DEFAULT '{}';
        """
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE invoice_approval_rules DROP COLUMN supplier_numbers; "
        "DROP TABLE dossier_users; DROP TABLE ledger_counterparties;"
    )
