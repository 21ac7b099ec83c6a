"""JWT bearer authentication, roles, and office / dossier scoping.

Claims: `sub`, `office_id`, `role`, `dossiers` (the dossier ids the subject is assigned to).
Tokens are the development HS256 tokens (`ledgerline token`) or, when a JWKS URL is configured,
RS256/ES256 tokens of an OpenID Connect issuer, with issuer and audience checked.

Who sees a dossier is decided from the office, not from the token alone: the dossier must be an
active dossier of the caller's office in the service's own dossier directory
(`ledgerline.dossiers`). An office admin then sees every such dossier (one they just activated
too); everyone else only the dossiers their token lists (their assignment).
"""

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any
from uuid import UUID

import jwt
from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from ledgerline.dossiers import DirectoryEntry, DossierDirectory


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

    @property
    def sees_whole_office(self) -> bool:
        """An office admin sees every active dossier of the office, assigned or not."""
        return self.role is Role.ADMIN

    def is_assigned(self, dossier_id: UUID) -> bool:
        return dossier_id in self.dossiers

    def may_see(self, entry: DirectoryEntry | None) -> bool:
        """`entry` is the dossier as the service's directory knows it (None: unknown)."""
        if entry is None or not entry.active or entry.office_id != self.office_id:
            return False
        return self.sees_whole_office or self.is_assigned(entry.dossier_id)


@dataclass(frozen=True)
class DossierScope:
    """A dossier the caller may see, within the caller's office: scope every query by both."""

    office_id: UUID
    dossier_id: UUID
    principal: Principal
    # The dossier as the service's directory has it (active, of the caller's office).
    dossier: DirectoryEntry | None = None


class TokenError(ValueError):
    pass


def issue_token(
    *,
    secret: str,
    subject: str,
    office_id: UUID,
    role: Role,
    dossiers: Sequence[UUID] = (),
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


def _principal(claims: dict[str, Any]) -> Principal:
    try:
        return Principal(
            subject=str(claims["sub"]),
            office_id=UUID(claims["office_id"]),
            role=Role(claims["role"]),
            dossiers=frozenset(UUID(dossier) for dossier in claims.get("dossiers", [])),
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise TokenError(f"the token lacks a valid claim: {exc}") from exc


def _invalid(exc: jwt.PyJWTError) -> TokenError:
    if isinstance(exc, jwt.ExpiredSignatureError):
        return TokenError("the token has expired")
    return TokenError(f"the token is not valid: {exc}")


def decode_token(token: str, *, secret: str, issuer: str) -> Principal:
    """A development (HS256) token."""
    return _principal(_decoded(token, secret=secret, issuer=issuer))


def _decoded(token: str, *, secret: str, issuer: str) -> dict[str, Any]:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=issuer,
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.PyJWTError as exc:
        raise _invalid(exc) from exc
    return claims


# Asymmetric algorithms accepted from the OpenID Connect issuer; never "none" or HS* with its keys.
OIDC_ALGORITHMS = ("RS256", "ES256")
# How long a verified token is taken without checking it again (never past its `exp`), and how
# many are kept. A short time: a key the issuer withdraws stops being accepted within it.
VERIFIED_CACHE_SECONDS = 60.0
VERIFIED_CACHE_SIZE = 10_000


class TokenVerifier:
    """Verifies development HS256 tokens and, when a JWKS URL is set, the issuer's RS256/ES256.

    The issuer's keys are fetched from its JWKS URL by PyJWT's `PyJWKClient`, which caches the
    key set (`jwks_cache_seconds`) and refetches it for an unknown key id (a key rotation), at
    most once per cooldown. The fetch is blocking network I/O, so it runs in a thread, one at a
    time; a token whose key is in the cache is verified without leaving the event loop.
    """

    def __init__(
        self,
        *,
        secret: str,
        issuer: str,
        jwks_url: str | None = None,
        jwks_issuer: str | None = None,
        audience: str | None = None,
        jwks_cache_seconds: float = 300,
        jwks_timeout_seconds: float = 5,
        jwks_refetch_cooldown_seconds: float = 30,
    ) -> None:
        self._secret = secret
        self._issuer = issuer
        self._jwks_issuer = jwks_issuer
        self._audience = audience
        self._jwks: jwt.PyJWKClient | None = None
        if jwks_url:
            if not jwks_issuer or not audience:
                raise ValueError("a JWKS URL needs the issuer and the audience to check")
            # The cooldown bounds how often tokens with unknown key ids can make us fetch.
            self._jwks = jwt.PyJWKClient(
                jwks_url,
                lifespan=jwks_cache_seconds,
                timeout=jwks_timeout_seconds,
                cooldown_duration=jwks_refetch_cooldown_seconds,
            )
        self._fetching = asyncio.Lock()
        # Verified tokens: a client sends the same token with every request, and checking its
        # signature and claims again (PyJWT, pure Python) was a tenth of an upload's CPU. An
        # entry lives until the token expires, at most `VERIFIED_CACHE_SECONDS`.
        self._verified: dict[str, tuple[Principal, float]] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> "TokenVerifier":
        return cls(
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            jwks_url=getattr(settings, "jwt_jwks_url", None),
            jwks_issuer=getattr(settings, "jwt_jwks_issuer", None),
            audience=getattr(settings, "jwt_audience", None),
            jwks_cache_seconds=getattr(settings, "jwt_jwks_cache_seconds", 300),
        )

    async def verify(self, token: str) -> Principal:
        now = time.time()
        cached = self._verified.get(token)
        if cached is not None and cached[1] > now:
            return cached[0]
        principal, expires_at = await self._verify(token)
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            self._verified.clear()  # bounded; the tokens in use come back at once
        self._verified[token] = (principal, min(expires_at, now + VERIFIED_CACHE_SECONDS))
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float]:
        """The token's principal and expiry (seconds since the epoch), or TokenError."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _invalid(exc) from exc
        algorithm = header.get("alg")
        if algorithm == "HS256" and self._secret:
            claims = _decoded(token, secret=self._secret, issuer=self._issuer)
            return _principal(claims), float(claims["exp"])
        if algorithm in OIDC_ALGORITHMS and self._jwks is not None:
            key = await self._signing_key(token, header.get("kid"))
            if key.algorithm_name != algorithm:
                raise TokenError(f"the token is not valid: key {key.key_id} is not for {algorithm}")
            try:
                claims = jwt.decode(
                    token,
                    key.key,
                    algorithms=[algorithm],
                    issuer=self._jwks_issuer,
                    audience=self._audience,
                    options={"require": ["sub", "exp", "iss", "aud"]},
                )
            except jwt.PyJWTError as exc:
                raise _invalid(exc) from exc
            return _principal(claims), float(claims["exp"])
        raise TokenError(f"the token is not valid: algorithm {algorithm!r} is not accepted")

    async def _signing_key(self, token: str, kid: object) -> jwt.PyJWK:
        assert self._jwks is not None
        cached = self._cached_key(kid)
        if cached is not None:
            return cached
        async with self._fetching:
            # Another request may have fetched the set while this one waited.
            cached = self._cached_key(kid)
            if cached is not None:
                return cached
            try:
                return await asyncio.to_thread(self._jwks.get_signing_key_from_jwt, token)
            except jwt.PyJWKClientConnectionError as exc:
                raise TokenError(f"the issuer's keys could not be fetched: {exc}") from exc
            except jwt.PyJWTError as exc:
                raise _invalid(exc) from exc

    def _cached_key(self, kid: object) -> jwt.PyJWK | None:
        assert self._jwks is not None
        cache = self._jwks.jwk_set_cache
        key_set = cache.get() if cache is not None else None  # None when empty or expired
        if key_set is None:
            return None
        for key in key_set.keys:
            if key.key_id == kid and key.public_key_use in ("sig", None):
                return key
        return None


_bearer = HTTPBearer(auto_error=False, description="JWT from the identity provider")


def token_verifier(request: Request) -> TokenVerifier:
    """The app's verifier, made from its settings on first use (it holds the JWKS cache)."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        verifier = TokenVerifier.from_settings(request.app.state.settings)
        request.app.state.token_verifier = verifier
    return verifier


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "a bearer token is required (Authorization: Bearer <token>)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    try:
        return await token_verifier(request).verify(credentials.credentials)
    except TokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": "Bearer"}
        ) from exc


CurrentPrincipal = Annotated[Principal, Depends(authenticated)]


def dossier_directory(request: Request) -> DossierDirectory:
    """The service's own copy of the dossiers (set by `create_app`)."""
    return request.app.state.dossier_directory  # type: ignore[no-any-return]


def dossier_scope(*roles: Role) -> object:
    """A dependency that admits callers with one of `roles` to the dossier in the path.

    404 unless the dossier is an active dossier of the caller's office (in the service's own
    directory) that the caller may see; a caller who may see it but whose role is not in
    `roles` gets 403. Another office's dossier is always 404, whatever the token lists.
    """
    allowed = frozenset(roles)

    async def dependency(
        request: Request,
        principal: CurrentPrincipal,
        dossier_id: Annotated[UUID, Path(description="The dossier's id")],
    ) -> DossierScope:
        visible = principal.sees_whole_office or principal.is_assigned(dossier_id)
        entry = await dossier_directory(request).find(dossier_id) if visible else None
        if not principal.may_see(entry):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"dossier {dossier_id} not found")
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the role {principal.role.value} may not do this; allowed: "
                + ", ".join(sorted(role.value for role in allowed)),
            )
        return DossierScope(
            office_id=principal.office_id, dossier_id=dossier_id, principal=principal, dossier=entry
        )

    # Who may call the route, readable from the app's routes (the tenancy matrix test reads it).
    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return Depends(dependency)


@dataclass(frozen=True)
class OfficeScope:
    """The dossiers of the caller's office the caller may see (active ones; for everyone but
    an office admin, the assigned ones): scope every query across the office by both."""

    office_id: UUID
    dossier_ids: tuple[UUID, ...]
    principal: Principal


def office_scope(*roles: Role) -> object:
    """A dependency for routes across the office (no dossier in the path): callers with one of
    `roles` get the dossiers they may see, decided as `dossier_scope` decides one (the service's
    own directory: active dossiers of the caller's office; an admin all of them, anyone else
    those the token lists). Another role gets 403; a dossier of another office is never in it,
    whatever the token lists."""
    allowed = frozenset(roles)

    async def dependency(request: Request, principal: CurrentPrincipal) -> OfficeScope:
        if principal.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"the role {principal.role.value} may not do this; allowed: "
                + ", ".join(sorted(role.value for role in allowed)),
            )
        active = await dossier_directory(request).active_in_office(principal.office_id)
        visible = tuple(
            dossier
            for dossier in active
            if principal.sees_whole_office or principal.is_assigned(dossier)
        )
        return OfficeScope(office_id=principal.office_id, dossier_ids=visible, principal=principal)

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]
    return Depends(dependency)


def allowed_roles(dependant: Any) -> frozenset[Role] | None:
    """The roles the `dossier_scope` among a route's dependencies admits (None: no scope)."""
    for dependency in dependant.dependencies:
        roles = getattr(dependency.call, "allowed_roles", None) or allowed_roles(dependency)
        if roles is not None:
            return frozenset(roles)
    return None
