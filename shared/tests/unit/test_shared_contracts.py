"""Event contracts, money, tokens and dossier scoping, without any server."""

import json
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from ledgerline.auth import (
    DossierScope,
    OfficeScope,
    Role,
    TokenError,
    decode_token,
    dossier_scope,
    issue_token,
    office_scope,
)
from ledgerline.dossiers import DirectoryEntry, InMemoryDossierDirectory
from ledgerline.events import (
    EVENTS,
    DocumentRecognized,
    Envelope,
    SepaFileGenerated,
    all_topics,
    spec_for,
)
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.money import Amount
from ledgerline.schemas import export_event_schemas
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.web import install_platform_routes
from pydantic import BaseModel, ValidationError

SECRET = "unit-test-secret-unit-test-secret-0123"


class Priced(BaseModel):
    amount: Amount


def test_amounts_are_decimal_strings_and_floats_are_refused() -> None:
    assert Priced(amount="1234.50").amount == Decimal("1234.50")
    assert Priced(amount="1234.50").model_dump_json() == '{"amount":"1234.50"}'
    assert Priced.model_validate_json('{"amount": "0.10"}').amount == Decimal("0.10")
    with pytest.raises(ValidationError, match="never floats"):
        Priced.model_validate_json('{"amount": 0.1}')
    with pytest.raises(ValidationError, match="not a decimal"):
        Priced(amount="12,50")
    with pytest.raises(ValidationError, match="finite"):
        Priced(amount="NaN")


def test_topics_are_versioned_and_each_has_a_dead_letter_topic() -> None:
    topics = all_topics()
    assert "document.received.v1" in topics and "document.received.v1.dlq" in topics
    assert "sepa-file.generated.v1" in topics
    assert len(topics) == 2 * len(EVENTS) == len(set(topics))
    assert spec_for(SepaFileGenerated).type == "be.ledgerline.sepa-file.generated.v1"


def test_envelope_round_trips_with_its_typed_data_and_amounts_as_strings() -> None:
    dossier, office = uuid.uuid4(), uuid.uuid4()
    data = DocumentRecognized(
        document_id=uuid.uuid4(),
        status="ok",
        source="ubl",
        confidence=1.0,
        invoice=InvoiceData(
            fields=InvoiceFields(invoice_number="F-1", total_incl_vat=Decimal("1656.25"))
        ),
    )
    envelope = Envelope[DocumentRecognized](
        source="/ledgerline/recognition",
        type=spec_for(data).type,
        dossierid=dossier,
        officeid=office,
        correlationid="c-1",
        data=data,
    )
    wire = json.loads(envelope.model_dump_json())
    assert wire["specversion"] == "1.0"
    assert wire["dossierid"] == str(dossier)
    assert wire["data"]["invoice"]["fields"]["total_incl_vat"] == "1656.25"
    back = Envelope[DocumentRecognized].model_validate_json(envelope.model_dump_json())
    assert back == envelope
    with pytest.raises(ValidationError):
        back.data.status = "nok"  # type: ignore[misc]


def test_schema_export_writes_one_schema_per_event(tmp_path: Path) -> None:
    written = export_event_schemas(tmp_path)
    assert len(written) == len(EVENTS) + 1
    schema = json.loads((tmp_path / "payment.queued.v1.json").read_text())
    assert schema["title"] == "be.ledgerline.payment.queued.v1"
    assert "dossierid" in schema["required"]
    index = json.loads((tmp_path / "index.json").read_text())
    assert {entry["topic"] for entry in index} == {spec.topic for spec in EVENTS}


def test_token_round_trip_and_refusals() -> None:
    office, dossier = uuid.uuid4(), uuid.uuid4()
    token = issue_token(
        secret=SECRET, subject="eva", office_id=office, role=Role.EMPLOYEE, dossiers=[dossier]
    )
    principal = decode_token(token, secret=SECRET, issuer="ledgerline-dev")
    assert principal.office_id == office
    assert principal.role is Role.EMPLOYEE
    assert principal.is_assigned(dossier) and not principal.is_assigned(uuid.uuid4())
    with pytest.raises(TokenError, match="not valid"):
        decode_token(token, secret=SECRET + "x", issuer="ledgerline-dev")
    with pytest.raises(TokenError, match="not valid"):
        decode_token(token, secret=SECRET, issuer="someone-else")
    expired = jwt.encode(
        {
            "sub": "eva",
            "office_id": str(office),
            "role": "employee",
            "iss": "ledgerline-dev",
            "exp": int(time.time()) - 10,
        },
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(TokenError, match="expired"):
        decode_token(expired, secret=SECRET, issuer="ledgerline-dev")
    unknown_role = jwt.encode(
        {
            "sub": "x",
            "office_id": str(office),
            "role": "root",
            "iss": "ledgerline-dev",
            "exp": int(time.time()) + 60,
        },
        SECRET,
        algorithm="HS256",
    )
    with pytest.raises(TokenError, match="claim"):
        decode_token(unknown_role, secret=SECRET, issuer="ledgerline-dev")


class _Settings:
    jwt_secret = DEV_JWT_SECRET
    jwt_issuer = "ledgerline-dev"


def _scoped_app(directory: InMemoryDossierDirectory) -> FastAPI:
    app = FastAPI()
    app.state.settings = _Settings()
    app.state.dossier_directory = directory
    install_platform_routes(app, "unit", {})

    @app.get("/dossiers/{dossier_id}/things")
    async def things(
        scope: Annotated[DossierScope, dossier_scope(Role.ADMIN, Role.EMPLOYEE)],
    ) -> dict[str, str]:
        return {"office": str(scope.office_id), "dossier": str(scope.dossier_id)}

    return app


async def test_dossier_scope_answers_401_404_403_and_admits_the_right_caller() -> None:
    office, dossier = uuid.uuid4(), uuid.uuid4()

    def bearer(role: Role, dossiers: list[uuid.UUID]) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET, subject="s", office_id=office, role=role, dossiers=dossiers
        )
        return {"Authorization": f"Bearer {token}"}

    directory = InMemoryDossierDirectory([DirectoryEntry(dossier, office, active=True)])
    transport = httpx.ASGITransport(app=_scoped_app(directory))
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        url = f"/dossiers/{dossier}/things"
        assert (await client.get(url)).status_code == 401
        assert (
            await client.get(url, headers=bearer(Role.EMPLOYEE, [uuid.uuid4()]))
        ).status_code == 404
        forbidden = await client.get(url, headers=bearer(Role.CLIENT_DOCUMENT_DELIVERY, [dossier]))
        assert forbidden.status_code == 403
        assert "may not" in forbidden.json()["detail"]
        allowed = await client.get(url, headers=bearer(Role.EMPLOYEE, [dossier]))
        assert allowed.status_code == 200
        assert allowed.json() == {"office": str(office), "dossier": str(dossier)}
        assert allowed.headers["X-Correlation-ID"]
        not_a_uuid = await client.get(
            "/dossiers/nope/things", headers=bearer(Role.ADMIN, [dossier])
        )
        assert not_a_uuid.status_code == 422


async def test_office_scope_gives_the_dossiers_the_caller_may_see_in_their_office() -> None:
    office, other = uuid.uuid4(), uuid.uuid4()
    first, second, retired, theirs = (uuid.uuid4() for _ in range(4))
    directory = InMemoryDossierDirectory(
        [
            DirectoryEntry(first, office, active=True),
            DirectoryEntry(second, office, active=True),
            DirectoryEntry(retired, office, active=False),
            DirectoryEntry(theirs, other, active=True),
        ]
    )
    app = FastAPI()
    app.state.settings = _Settings()
    app.state.dossier_directory = directory

    @app.get("/office/things")
    async def things(
        scope: Annotated[OfficeScope, office_scope(Role.ADMIN, Role.EMPLOYEE)],
    ) -> list[str]:
        return sorted(str(dossier) for dossier in scope.dossier_ids)

    def bearer(role: Role, dossiers: list[uuid.UUID], office_id: uuid.UUID = office) -> Any:
        token = issue_token(
            secret=DEV_JWT_SECRET, subject="s", office_id=office_id, role=role, dossiers=dossiers
        )
        return {"Authorization": f"Bearer {token}"}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        assert (await client.get("/office/things")).status_code == 401
        admin = await client.get("/office/things", headers=bearer(Role.ADMIN, []))
        assert admin.json() == sorted([str(first), str(second)])
        assigned = await client.get(
            "/office/things", headers=bearer(Role.EMPLOYEE, [second, retired, theirs])
        )
        assert assigned.json() == [str(second)]
        intruder = await client.get(
            "/office/things", headers=bearer(Role.EMPLOYEE, [first, second], office_id=other)
        )
        assert intruder.json() == []
        client_user = await client.get(
            "/office/things", headers=bearer(Role.CLIENT_ADMINISTRATOR, [first])
        )
        assert client_user.status_code == 403
        assert "may not do this" in client_user.json()["detail"]


def test_time_is_timezone_aware_in_envelopes() -> None:
    envelope = Envelope[SepaFileGenerated](
        source="/t",
        type="t",
        dossierid=uuid.uuid4(),
        officeid=uuid.uuid4(),
        correlationid="c",
        data=SepaFileGenerated(
            file_id=uuid.uuid4(),
            debtor_iban="BE71096123456769",
            message_id="M1",
            format="pain.001.001.09",
            number_of_transactions=1,
            control_sum=Decimal("10.00"),
            sha256="0" * 64,
            payment_ids=(),
        ),
    )
    assert envelope.time.tzinfo is not None and envelope.time <= datetime.now(UTC)


def test_published_event_schemas_match_the_models(tmp_path: Path) -> None:
    published = Path(__file__).resolve().parents[3] / "docs" / "events"
    export_event_schemas(tmp_path)
    stale = [
        path.name
        for path in sorted(tmp_path.iterdir())
        if not (published / path.name).exists()
        or (published / path.name).read_text() != path.read_text()
    ]
    assert stale == [], f"run `make schemas`: docs/events is out of date for {stale}"
