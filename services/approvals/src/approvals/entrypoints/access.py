"""Who may call what, and how refused use cases are answered.

Roles: a client administrator (or the office admin) manages rules and the process; every named
approver decides, whatever their role (the approver is the token's subject); office roles and
the dossier's users read; document-delivery users see nothing.
"""

from typing import Annotated

from fastapi import HTTPException, status
from ledgerline.auth import CLIENT_ROLES, OFFICE_ROLES, DossierScope, Role, dossier_scope
from ledgerline.use_cases import UseCaseRunner

from approvals import service_layer

MANAGERS = (Role.CLIENT_ADMINISTRATOR, Role.ADMIN)
READERS = tuple(sorted(OFFICE_ROLES | CLIENT_ROLES - {Role.CLIENT_DOCUMENT_DELIVERY}))
ManagerScope = Annotated[DossierScope, dossier_scope(*MANAGERS)]
ReaderScope = Annotated[DossierScope, dossier_scope(*READERS)]
# Everyone who reads may try to decide; the approval itself says whether they are an approver.
DeciderScope = Annotated[DossierScope, dossier_scope(*READERS)]

REFUSALS = (
    service_layer.NotFound,
    service_layer.NotYours,
    service_layer.Conflict,
    service_layer.AlreadyDecided,
    service_layer.Invalid,
)


def refusal(exc: Exception) -> HTTPException:
    """The HTTP answer to a use case that refused (one of REFUSALS)."""
    if isinstance(exc, service_layer.NotFound):
        return HTTPException(status.HTTP_404_NOT_FOUND, str(exc))
    if isinstance(exc, service_layer.NotYours):
        return HTTPException(status.HTTP_403_FORBIDDEN, str(exc))
    if isinstance(exc, service_layer.Conflict | service_layer.AlreadyDecided):
        return HTTPException(status.HTTP_409_CONFLICT, str(exc))
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc))


# Runs a use case of the service layer in one unit of work; a refusal is its HTTP answer.
run = UseCaseRunner(REFUSALS, refusal)
