"""Who may call the payments API: the dossier scopes its routes (and the open items) ask for."""

from typing import Annotated

from ledgerline.auth import OFFICE_ROLES, DossierScope, Role, dossier_scope

PAYERS = OFFICE_ROLES | {Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS}
PayerScope = Annotated[DossierScope, dossier_scope(*PAYERS)]
# Journalising is the office's bookkeeping (seed 001: the office journalises the payment run).
OfficeScope = Annotated[DossierScope, dossier_scope(*OFFICE_ROLES)]
