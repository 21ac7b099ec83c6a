"""The demo office and dossier the local stack seeds, and the development token issuer."""

from uuid import UUID

JWT_ISSUER = "ledgerline-dev"
DEMO_OFFICE_ID = UUID("0ff1ce00-0000-4000-8000-000000000001")
DEMO_DOSSIER_ID = UUID("d0551e00-0000-4000-8000-000000000001")
DEMO_ADMIN = "anna.admin@demo-office.example"
DEMO_CLIENT = "ben.baker@bakkerij-peeters.example"
