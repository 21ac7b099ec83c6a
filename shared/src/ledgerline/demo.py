"""The demo office and dossier the local stack seeds, and the development token issuer."""

from uuid import UUID

from ledgerline.auth import Role

JWT_ISSUER = "ledgerline-dev"
DEMO_OFFICE_ID = UUID("0ff1ce00-0000-4000-8000-000000000001")
DEMO_DOSSIER_ID = UUID("d0551e00-0000-4000-8000-000000000001")
DEMO_ADMIN = "anna.admin@demo-office.example"
DEMO_CLIENT = "ben.baker@bakkerij-peeters.example"


def default_dossiers(role: Role) -> list[UUID]:
    """The dossiers a demo token lists: none for an office admin (who sees every active dossier
    of the office), the demo dossier for everyone else (their assignment)."""
    return [] if role is Role.ADMIN else [DEMO_DOSSIER_ID]
