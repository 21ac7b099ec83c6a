"""JWT bearer authentication, roles, and office / dossier scoping.

Claims: `sub`, `office_id`, `role`, `dossiers` (the dossier ids the subject may see). The
identity provider resolves an office admin's dossiers into that list, so every service can
decide access from the token alone, and scopes every query by office and dossier.
"""

import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated
from uuid import UUID

import jwt
from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer


class Role(StrEnum):
    # office (kantoor) roles
    ADMIN = "admin"
    EMPLOYEE = "employee"
    SUPPORT = "support"
    # dossier (client) user profiles
    CLIENT_ADMINISTRATOR = "client_administrator"
    CLIENT_FULL_ACCESS = "client_full_access"
    CLIENT_DOCUMENT_PROCESSING = "client_document_processing"
    CLIENT_DOCUMENT_PROCESSING_ARCHIVE = "client_document_processing_archive"
    CLIENT_FULL_FEEDBACK = "client_full_feedback"
    CLIENT_DOCUMENT_DELIVERY = "client_document_delivery"
    # another Ledgerline service
    SERVICE = "service"
    # who runs the platform (not an office): platform operations only, never dossier data
    OPERATOR = "operator"


OFFICE_ROLES = frozenset({Role.ADMIN, Role.EMPLOYEE, Role.SUPPORT})
CLIENT_ROLES = frozenset(
    {
        Role.CLIENT_ADMINISTRATOR,
        Role.CLIENT_FULL_ACCESS,
        Role.CLIENT_DOCUMENT_PROCESSING,
        Role.CLIENT_DOCUMENT_PROCESSING_ARCHIVE,
        Role.CLIENT_FULL_FEEDBACK,
        Role.CLIENT_DOCUMENT_DELIVERY,
    }
)
# Who may deliver documents into a dossier's mailboxes.
DELIVERERS = OFFICE_ROLES | CLIENT_ROLES - {Role.CLIENT_FULL_FEEDBACK}
# Who may work the office's worklist.
BOOKKEEPERS = OFFICE_ROLES


@dataclass(frozen=True)
class Principal:
    subject: str
    office_id: UUID
    role: Role
    dossiers: frozenset[UUID]

    def may_see(self, dossier_id: UUID) -> bool:
        return dossier_id in self.dossiers


@dataclass(frozen=True)
class DossierScope:
    """A dossier the caller may see, within the caller's office: scope every query by both."""

    office_id: UUID
    dossier_id: UUID
    principal: Principal


class TokenError(ValueError):
    pass


def issue_token(
    *,
    secret: str,
    subject: str,
    office_id: UUID,
    role: Role,
    dossiers: list[UUID],
    issuer: str = "ledgerline-dev",
    ttl_seconds: int = 12 * 3600,
) -> str:
    now = int(time.time())
    claims = {
        "sub": subject,
        "office_id": str(office_id),
        "role": role.value,
        "dossiers": [str(dossier) for dossier in dossiers],
        "iss": issuer,
        "iat": now,
        "exp": now + ttl_seconds,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def decode_token(token: str, *, secret: str, issuer: str) -> Principal:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            options={"require": ["sub", "exp", "iss"]},
        )
        return Principal(
            subject=str(claims["sub"]),
            office_id=UUID(claims["office_id"]),
            role=Role(claims["role"]),
            dossiers=frozenset(UUID(dossier) for dossier in claims.get("dossiers", [])),
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenError("the token has expired") from exc
    except jwt.PyJWTError as exc:
        raise TokenError(f"the token is not valid: {exc}") from exc
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError(f"the token lacks a valid claim: {exc}") from exc


_bearer = HTTPBearer(auto_error=False, description="JWT from the identity provider")


def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    settings = request.app.state.settings
    try:
        return decode_token(
            credentials.credentials, secret=settings.jwt_secret, issuer=settings.jwt_issuer
        )
    except TokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from exc


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def dossier_scope(*roles: Role) -> object:
    """A dependency that admits callers with one of `roles` to the dossier in the path."""
    allowed = frozenset(roles)

    def dependency(
        principal: CurrentPrincipal,
        dossier_id: Annotated[UUID, Path(description="The dossier's id")],
    ) -> DossierScope:
        if not principal.may_see(dossier_id):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {dossier_id} not found")
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the role {principal.role.value} may not do this; allowed: "
                + ", ".join(sorted(role.value for role in allowed)),
            )
        return DossierScope(
            office_id=principal.office_id, dossier_id=dossier_id, principal=principal
        )

    return Depends(dependency)
