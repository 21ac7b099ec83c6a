"""Dossiers can be changed and deactivated; every service's dossier check reads `active`.

Revision ID: 0002_tenancy
Revises: 0001
"""

from alembic import op

revision = "0002_tenancy"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        ALTER TABLE dossiers
            ADD COLUMN active boolean NOT NULL DEFAULT true,
            ADD COLUMN updated_at timestamptz,
            ADD COLUMN deactivated_at timestamptz;
        CREATE INDEX dossiers_active_by_office ON dossiers (office_id) WHERE active;
        """
    )


def downgrade() -> None:
    op.execute(
        """
        DROP INDEX dossiers_active_by_office;
        ALTER TABLE dossiers DROP COLUMN active, DROP COLUMN updated_at, DROP COLUMN deactivated_at;
        """
    )
