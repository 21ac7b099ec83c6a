"""The process's service HTTP client: one connection pool, tokens reused per dossier."""

import uuid

import httpx
import jwt
import pytest
from ledgerline.service_http import ServiceHttpClient

SECRET = "x" * 40


async def test_one_client_and_one_token_per_dossier_across_requests() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["Authorization"].removeprefix("Bearer "))
        return httpx.Response(200, content=b"ok")

    office, dossier, other = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    client = ServiceHttpClient(service="recognition", secret=SECRET, issuer="test", timeout=5)
    http = client._http()
    http._transport = httpx.MockTransport(answer)  # the wire is not what is tested here
    for _ in range(3):
        await client.get("http://ingest/doc", office_id=office, dossier_id=dossier)
    await client.get("http://ingest/doc", office_id=office, dossier_id=other)
    assert client._http() is http  # the same client (and SSL context) for every request
    assert seen[0] == seen[1] == seen[2] != seen[3]
    claims = jwt.decode(seen[3], SECRET, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["sub"] == "service:recognition"
    assert str(other) in claims["dossiers"]
    await client.aclose()


@pytest.mark.parametrize("timeout", [0.5, 30.0])
def test_requests_have_timeouts_and_bounded_connections(timeout: float) -> None:
    client = ServiceHttpClient(service="s", secret=SECRET, issuer="t", timeout=timeout)
    http = client._http()
    assert http.timeout.read == timeout
    assert http.timeout.connect == min(timeout, 10.0)
