"""E-mail intake: the dossier's code and VAT number (its mail addresses and Peppol identity), the
sender whitelist, and the sender, subject and idempotency key of each document.

Revision ID: 0006_email
Revises: 0005_approvals
"""

from alembic import op

revision = "0006_email"
down_revision = "0005_approvals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE dossiers
            ADD COLUMN dossier_code text,
            ADD COLUMN vat_number text,
            ADD COLUMN details_as_of timestamptz,
            ADD COLUMN use_sender_whitelist boolean NOT NULL DEFAULT false,
            ADD COLUMN sender_whitelist text[] NOT NULL DEFAULT '{}';
        CREATE INDEX dossiers_by_mail_address
            ON dossiers (lower(dossier_code), lower(email_domain)) WHERE active;
        ALTER TABLE documents
            ADD COLUMN sender text,
            ADD COLUMN subject text,
            ADD COLUMN idempotency_key text;
        CREATE UNIQUE INDEX documents_by_idempotency_key
            ON documents (office_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX documents_by_idempotency_key;
        ALTER TABLE documents DROP COLUMN sender, DROP COLUMN subject, DROP COLUMN idempotency_key;
        DROP INDEX dossiers_by_mail_address;
        ALTER TABLE dossiers
            DROP COLUMN dossier_code, DROP COLUMN vat_number, DROP COLUMN details_as_of,
            DROP COLUMN use_sender_whitelist, DROP COLUMN sender_whitelist;
        """
    )
