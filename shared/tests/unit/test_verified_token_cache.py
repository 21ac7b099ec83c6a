"""Verified tokens are remembered (a client sends the same token with every request), but never
past their expiry, and a token that was refused is refused again."""

import uuid

import jwt
import pytest
from ledgerline import auth
from ledgerline.auth import Role, TokenError, TokenVerifier, issue_token
from ledgerline.settings import DEV_JWT_SECRET

ISSUER = "ledgerline-dev"


def verifier() -> TokenVerifier:
    return TokenVerifier(secret=DEV_JWT_SECRET, issuer=ISSUER)


async def test_a_token_is_verified_once_then_taken_from_memory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = issue_token(
        secret=DEV_JWT_SECRET, subject="eva", office_id=uuid.uuid4(), role=Role.EMPLOYEE
    )
    checks = 0
    decode = jwt.decode

    def counted(*args: object, **kwargs: object) -> object:
        nonlocal checks
        checks += 1
        return decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counted)
    tokens = verifier()
    first = await tokens.verify(token)
    second = await tokens.verify(token)
    assert first == second and first.subject == "eva" and first.role is Role.EMPLOYEE
    assert checks == 1


async def test_a_remembered_token_is_refused_once_it_expires(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = 1_800_000_000.0
    monkeypatch.setattr(auth.time, "time", lambda: now)
    token = issue_token(
        secret=DEV_JWT_SECRET,
        subject="eva",
        office_id=uuid.uuid4(),
        role=Role.EMPLOYEE,
        ttl_seconds=30,
    )
    monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime(now))  # PyJWT's own clock
    tokens = verifier()
    assert (await tokens.verify(token)).subject == "eva"
    now += 31
    monkeypatch.setattr(jwt.api_jwt, "datetime", _FrozenDatetime(now))
    with pytest.raises(TokenError, match="expired"):
        await tokens.verify(token)


async def test_a_refused_token_is_refused_every_time() -> None:
    forged = issue_token(
        secret="not-the-secret", subject="eve", office_id=uuid.uuid4(), role=Role.ADMIN
    )
    tokens = verifier()
    for _ in range(2):
        with pytest.raises(TokenError):
            await tokens.verify(forged)


class _FrozenDatetime:
    """Stands in for `datetime.datetime` inside PyJWT, answering `now()` with a fixed time."""

    def __init__(self, timestamp: float) -> None:
        import datetime

        self._now = datetime.datetime.fromtimestamp(timestamp, tz=datetime.UTC)
        self._real = datetime.datetime

    def now(self, tz: object = None) -> object:
        return self._now

    def __getattr__(self, name: str) -> object:
        return getattr(self._real, name)
