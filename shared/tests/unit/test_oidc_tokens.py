"""Production tokens: RS256 / ES256 tokens of an OpenID Connect issuer, verified with the keys of
its JWKS URL (here served by the test on 127.0.0.1), issuer and audience checked."""

import asyncio
import json
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import FastAPI
from ledgerline.auth import CurrentPrincipal, Role, TokenError, TokenVerifier, issue_token
from ledgerline.settings import DEV_JWT_SECRET, ServiceSettings
from pydantic import ValidationError

ISSUER = "https://login.example/realms/ledgerline"
AUDIENCE = "ledgerline-api"
OFFICE = uuid.uuid4()


@dataclass
class Jwks:
    """A JWKS endpoint: the public keys it serves, how often it was fetched, an optional delay."""

    keys: list[dict[str, Any]] = field(default_factory=list)
    fetches: int = 0
    delay_seconds: float = 0
    url: str = ""


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private: Any

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        public = json.loads(algorithm.to_jwk(self.private.public_key()))
        return public | {"kid": self.kid, "use": "sig", "alg": self.algorithm}

    def sign(self, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "sub": "eva@office.example",
            "office_id": str(OFFICE),
            "role": "employee",
            "dossiers": [],
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
        } | overrides
        return jwt.encode(claims, self.private, algorithm=self.algorithm, headers={"kid": self.kid})


def rsa_key(kid: str = "rsa-1") -> SigningKey:
    return SigningKey(kid, "RS256", rsa.generate_private_key(public_exponent=65537, key_size=2048))


def ec_key(kid: str = "ec-1") -> SigningKey:
    return SigningKey(kid, "ES256", ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture
def jwks() -> Iterator[Jwks]:
    served = Jwks()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            served.fetches += 1
            time.sleep(served.delay_seconds)
            body = json.dumps({"keys": served.keys}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/protocol/openid-connect/certs"
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()


def verifier(jwks: Jwks, **options: Any) -> TokenVerifier:
    return TokenVerifier(
        secret=DEV_JWT_SECRET,
        issuer="ledgerline-dev",
        jwks_url=jwks.url,
        jwks_issuer=ISSUER,
        audience=AUDIENCE,
        **options,
    )


async def test_rs256_and_es256_tokens_are_accepted_and_the_keys_cached(jwks: Jwks) -> None:
    rs, es = rsa_key(), ec_key()
    jwks.keys = [rs.jwk(), es.jwk()]
    tokens = verifier(jwks)
    principal = await tokens.verify(rs.sign(role="admin"))
    assert principal.subject == "eva@office.example"
    assert principal.office_id == OFFICE
    assert principal.role is Role.ADMIN
    assert (await tokens.verify(es.sign())).role is Role.EMPLOYEE
    for _ in range(5):
        await tokens.verify(rs.sign())
    assert jwks.fetches == 1, "the key set is fetched once and then cached"
    # The development HS256 tokens are still accepted beside them.
    dev = issue_token(secret=DEV_JWT_SECRET, subject="dev", office_id=OFFICE, role=Role.ADMIN)
    assert (await tokens.verify(dev)).subject == "dev"


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"iss": "https://evil.example"}, "(?i)issuer"),
        ({"aud": "another-api"}, "(?i)audience"),
        ({"exp": int(time.time()) - 60}, "expired"),
        ({"office_id": "not-a-uuid"}, "claim"),
    ],
)
async def test_issuer_audience_expiry_and_claims_are_checked(
    jwks: Jwks, claims: dict[str, Any], message: str
) -> None:
    key = rsa_key()
    jwks.keys = [key.jwk()]
    with pytest.raises(TokenError, match=message):
        await verifier(jwks).verify(key.sign(**claims))


async def test_a_token_without_audience_is_refused(jwks: Jwks) -> None:
    key = rsa_key()
    jwks.keys = [key.jwk()]
    token = jwt.encode(
        {"sub": "s", "office_id": str(OFFICE), "role": "admin", "iss": ISSUER, "exp": 2**33},
        key.private,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    with pytest.raises(TokenError, match="aud"):
        await verifier(jwks).verify(token)


async def test_keys_the_issuer_does_not_publish_are_refused(jwks: Jwks) -> None:
    published, forged = rsa_key("rsa-1"), rsa_key("rsa-1")
    jwks.keys = [published.jwk()]
    with pytest.raises(TokenError, match="not valid"):
        await verifier(jwks).verify(forged.sign())
    with pytest.raises(TokenError, match="not valid"):
        await verifier(jwks).verify(rsa_key("unknown-kid").sign())


async def test_a_rotated_key_is_fetched(jwks: Jwks) -> None:
    old, new = rsa_key("2026-11"), rsa_key("2026-12")
    jwks.keys = [old.jwk()]
    tokens = verifier(jwks, jwks_refetch_cooldown_seconds=0)
    await tokens.verify(old.sign())
    jwks.keys = [old.jwk(), new.jwk()]
    assert (await tokens.verify(new.sign())).office_id == OFFICE
    assert jwks.fetches == 2


async def test_algorithm_confusion_and_none_are_refused(jwks: Jwks) -> None:
    key = rsa_key()
    jwks.keys = [key.jwk()]
    claims = {"sub": "s", "office_id": str(OFFICE), "role": "admin", "iss": ISSUER}
    claims |= {"aud": AUDIENCE, "exp": int(time.time()) + 60}
    unsigned = jwt.encode(claims, None, algorithm="none")
    with pytest.raises(TokenError, match="not accepted"):
        await verifier(jwks).verify(unsigned)
    # HS256 with the issuer's public key as the secret: checked against the dev key, refused.
    public_pem = key.jwk()["n"]
    confused = jwt.encode(claims, public_pem, algorithm="HS256", headers={"kid": key.kid})
    with pytest.raises(TokenError, match="not valid"):
        await verifier(jwks).verify(confused)


async def test_hs256_is_refused_when_the_development_key_is_unset(jwks: Jwks) -> None:
    tokens = TokenVerifier(
        secret="", issuer="ledgerline-dev", jwks_url=jwks.url, jwks_issuer=ISSUER, audience=AUDIENCE
    )
    dev = issue_token(secret=DEV_JWT_SECRET, subject="dev", office_id=OFFICE, role=Role.ADMIN)
    with pytest.raises(TokenError, match="not accepted"):
        await tokens.verify(dev)


async def test_fetching_the_keys_does_not_block_the_event_loop(jwks: Jwks) -> None:
    key = rsa_key()
    jwks.keys = [key.jwk()]
    jwks.delay_seconds = 0.5
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticker = asyncio.create_task(tick())
    try:
        tokens = verifier(jwks)
        # Concurrent first requests share one fetch.
        results = await asyncio.gather(*(tokens.verify(key.sign()) for _ in range(4)))
    finally:
        ticker.cancel()
    assert all(result.office_id == OFFICE for result in results)
    assert jwks.fetches == 1
    assert ticks >= 20, f"the loop ran only {ticks} times during a 0.5 s fetch"


async def test_a_service_app_accepts_the_issuers_tokens(jwks: Jwks) -> None:
    key = ec_key()
    jwks.keys = [key.jwk()]
    app = FastAPI()
    app.state.settings = ServiceSettings(
        database_url="postgresql://unused",
        LEDGERLINE_JWT_JWKS_URL=jwks.url,
        LEDGERLINE_JWT_JWKS_ISSUER=ISSUER,
        LEDGERLINE_JWT_AUDIENCE=AUDIENCE,
    )

    @app.get("/me")
    async def me(principal: CurrentPrincipal) -> dict[str, str]:
        return {"subject": principal.subject}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        ok = await client.get("/me", headers={"Authorization": f"Bearer {key.sign()}"})
        assert ok.status_code == 200 and ok.json() == {"subject": "eva@office.example"}
        wrong = await client.get(
            "/me", headers={"Authorization": f"Bearer {key.sign(aud='someone-else')}"}
        )
        assert wrong.status_code == 401
        assert "audience" in wrong.json()["detail"].lower()


def test_a_jwks_url_without_issuer_or_audience_is_a_configuration_error() -> None:
    with pytest.raises(ValidationError, match="LEDGERLINE_JWT_AUDIENCE"):
        ServiceSettings(
            database_url="postgresql://unused", LEDGERLINE_JWT_JWKS_URL="https://x/certs"
        )


async def test_a_token_claiming_another_algorithm_than_its_key_is_refused(jwks: Jwks) -> None:
    rs = rsa_key("k1")
    jwks.keys = [rs.jwk()]
    es = ec_key("k1")  # same key id, signed ES256
    with pytest.raises(TokenError, match="not for ES256"):
        await verifier(jwks).verify(es.sign())
