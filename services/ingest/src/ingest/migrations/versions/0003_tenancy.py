"""Ingest's dossiers become the shared dossier directory (ledgerline.dossiers), with ingest's
mailbox settings as extra columns: active, and the time of the event each row reflects.

Revision ID: 0003_tenancy
Revises: 0002
"""

from alembic import op

revision = "0003_tenancy"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE dossiers
            ALTER COLUMN email_domain DROP NOT NULL,
            ADD COLUMN active boolean NOT NULL DEFAULT true,
            ADD COLUMN as_of timestamptz;
        CREATE INDEX dossiers_active_by_office ON dossiers (office_id) WHERE active;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX dossiers_active_by_office;
        UPDATE dossiers SET email_domain = '' WHERE email_domain IS NULL;
        ALTER TABLE dossiers
            ALTER COLUMN email_domain SET NOT NULL,
            DROP COLUMN active,
            DROP COLUMN as_of;
        """
    )
