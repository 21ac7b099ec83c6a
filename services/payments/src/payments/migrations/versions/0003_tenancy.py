"""The dossier directory: which office owns each dossier, kept from sync's dossier events.

Revision ID: 0003_tenancy
Revises: 0002
"""

from alembic import op
from ledgerline.dossiers import DOSSIER_DIRECTORY_DDL, DROP_DOSSIER_DIRECTORY_DDL

revision = "0003_tenancy"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(DOSSIER_DIRECTORY_DDL)


def downgrade() -> None:
    op.execute(DROP_DOSSIER_DIRECTORY_DDL)
