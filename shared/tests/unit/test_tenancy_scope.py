"""Dossier scoping decides from the service's own dossier directory, not from the token alone."""

import uuid
from typing import Annotated

import httpx
import pytest
from fastapi import FastAPI
from ledgerline.auth import DossierScope, Principal, Role, dossier_scope, issue_token
from ledgerline.dossiers import DirectoryEntry, InMemoryDossierDirectory
from ledgerline.settings import DEV_JWT_SECRET

OUR_OFFICE, OTHER_OFFICE = uuid.uuid4(), uuid.uuid4()
OUR_DOSSIER, NEW_DOSSIER, CLOSED_DOSSIER = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


class _Settings:
    jwt_secret = DEV_JWT_SECRET
    jwt_issuer = "ledgerline-dev"


def _app() -> FastAPI:
    app = FastAPI()
    app.state.settings = _Settings()
    app.state.dossier_directory = InMemoryDossierDirectory(
        [
            DirectoryEntry(OUR_DOSSIER, OUR_OFFICE, active=True),
            DirectoryEntry(NEW_DOSSIER, OUR_OFFICE, active=True),
            DirectoryEntry(CLOSED_DOSSIER, OUR_OFFICE, active=False),
        ]
    )

    @app.put("/dossiers/{dossier_id}/payment-settings")
    async def settings(
        scope: Annotated[DossierScope, dossier_scope(*(Role.ADMIN, Role.EMPLOYEE))],
    ) -> dict[str, str]:
        return {"office": str(scope.office_id)}

    return app


def _bearer(office: uuid.UUID, role: Role, dossiers: list[uuid.UUID]) -> dict[str, str]:
    token = issue_token(
        secret=DEV_JWT_SECRET, subject="s", office_id=office, role=role, dossiers=dossiers
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize(
    ("office", "role", "dossiers", "dossier", "expected"),
    [
        # Defect 3: another office's token that lists our dossier must not reach it.
        (OTHER_OFFICE, Role.ADMIN, [OUR_DOSSIER], OUR_DOSSIER, 404),
        (OTHER_OFFICE, Role.EMPLOYEE, [OUR_DOSSIER], OUR_DOSSIER, 404),
        (OTHER_OFFICE, Role.CLIENT_DOCUMENT_DELIVERY, [OUR_DOSSIER], OUR_DOSSIER, 404),
        # Defect 8: an admin sees a dossier of the office that the token does not list.
        (OUR_OFFICE, Role.ADMIN, [], NEW_DOSSIER, 200),
        (OUR_OFFICE, Role.ADMIN, [OUR_DOSSIER], NEW_DOSSIER, 200),
        # Everyone else by assignment.
        (OUR_OFFICE, Role.EMPLOYEE, [OUR_DOSSIER], OUR_DOSSIER, 200),
        (OUR_OFFICE, Role.EMPLOYEE, [OUR_DOSSIER], NEW_DOSSIER, 404),
        (OUR_OFFICE, Role.CLIENT_DOCUMENT_DELIVERY, [OUR_DOSSIER], OUR_DOSSIER, 403),
        (OUR_OFFICE, Role.CLIENT_DOCUMENT_DELIVERY, [], OUR_DOSSIER, 404),
        # A deactivated or unknown dossier is gone for everyone.
        (OUR_OFFICE, Role.ADMIN, [CLOSED_DOSSIER], CLOSED_DOSSIER, 404),
        (OUR_OFFICE, Role.EMPLOYEE, [CLOSED_DOSSIER], CLOSED_DOSSIER, 404),
        (OUR_OFFICE, Role.ADMIN, [], uuid.uuid4(), 404),
    ],
)
async def test_dossier_scope_checks_the_office_in_the_directory(
    office: uuid.UUID, role: Role, dossiers: list[uuid.UUID], dossier: uuid.UUID, expected: int
) -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        response = await client.put(
            f"/dossiers/{dossier}/payment-settings", headers=_bearer(office, role, dossiers)
        )
    assert response.status_code == expected, response.text
    if expected == 404:
        assert response.json()["detail"] == f"dossier {dossier} not found"
    if expected == 200:
        assert response.json() == {"office": str(OUR_OFFICE)}


def test_the_visibility_rule() -> None:
    admin = Principal("a", OUR_OFFICE, Role.ADMIN, frozenset())
    employee = Principal("e", OUR_OFFICE, Role.EMPLOYEE, frozenset({OUR_DOSSIER}))
    ours = DirectoryEntry(OUR_DOSSIER, OUR_OFFICE, active=True)
    new = DirectoryEntry(NEW_DOSSIER, OUR_OFFICE, active=True)
    theirs = DirectoryEntry(OUR_DOSSIER, OTHER_OFFICE, active=True)
    closed = DirectoryEntry(OUR_DOSSIER, OUR_OFFICE, active=False)
    assert admin.may_see(ours) and admin.may_see(new)
    assert employee.may_see(ours) and not employee.may_see(new)
    for principal in (admin, employee):
        assert not principal.may_see(theirs)
        assert not principal.may_see(closed)
        assert not principal.may_see(None)
