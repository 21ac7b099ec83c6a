"""The first flow, over HTTP, with all six services as processes on the real broker and database:
a Peppol UBL invoice delivered to ingest becomes a booking proposal in the worklist."""

import json
import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.paths import given_testdata
from ledgerline.devstack.stack import Stack

from tests.e2e.helpers import (
    bearer,
    bootstrap_of,
    eventually,
    read_topics,
    recognition,
    submit,
    upload,
    upload_and_submit,
)

pytestmark = [pytest.mark.e2e]

UBL_SAMPLES = given_testdata() / "ubl"


async def test_ubl_invoice_becomes_a_booking_proposal(stack: Stack) -> None:
    dossier = DEMO_DOSSIER_ID
    client_user = bearer(stack, subject="ben@bakkerij.example", role=Role.CLIENT_ADMINISTRATOR)
    office_user = bearer(stack, subject="eva@office.example", role=Role.EMPLOYEE)
    correlation_id = f"e2e-{uuid.uuid4()}"
    async with httpx.AsyncClient(timeout=10) as http:
        document = await upload(
            http,
            stack,
            dossier,
            (UBL_SAMPLES / "base-example.xml").read_bytes(),
            client_user | {"X-Correlation-ID": correlation_id},
            mailbox="purchase",
            filename="base-example.xml",
        )
        assert document["status"] == "in_mailbox"
        assert document["channel"] == "api"
        document_id = document["id"]

        recognised = await recognition(http, stack, dossier, document_id, client_user, 30)
        assert recognised["status"] == "ok"
        assert recognised["source"] == "ubl"
        # One shape for users: the API answers exactly what `recognition extract` prints.
        assert recognised["fields"]["total_incl_vat"] == "1656.25"
        extracted = subprocess.run(
            [
                Path(sys.executable).with_name("recognition"),
                "extract",
                UBL_SAMPLES / "base-example.xml",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert recognised == json.loads(extracted.stdout)

        submitted = await submit(http, stack, dossier, document_id, client_user)
        assert submitted["status"] == "in_processing"

        async def proposal() -> dict[str, Any] | None:
            response = await http.get(
                f"{stack.url('worklist')}/dossiers/{dossier}/proposals", headers=office_user
            )
            assert response.status_code == 200, response.text
            found = [item for item in response.json() if item["document_id"] == document_id]
            return found[0] if found else None

        booked = await eventually(proposal)
        assert booked["source"] == "ubl"
        assert booked["status"] in ("ok", "ok_new", "ok_duplicate")
        assert booked["journal"] == "CFAAN"
        assert booked["counterparty_name"] == "SupplierOfficialName Ltd"
        assert booked["counterparty_vat"] == "GB1232434"
        assert booked["invoice_number"] == "Snippet1"
        assert booked["invoice_date"] == "2017-11-13"
        assert booked["due_date"] == "2017-12-01"
        # 2017 is in no period of the demo dossier's books: the open period nearest the
        # invoice date is proposed, with the warning that the date is more than a year off.
        assert booked["period"] in ("2026-10", "2017-11")  # 2017-11 only before the books sync
        if booked["period"] == "2026-10":
            assert "invoice_date_year_outside_period" in {w["code"] for w in booked["warnings"]}
        assert booked["currency"] == "EUR"
        assert Decimal(booked["total_excl_vat"]) == Decimal("1325")
        assert Decimal(booked["total_vat"]) == Decimal("331.25")
        assert Decimal(booked["total_incl_vat"]) == Decimal("1656.25")

        async def mailbox_knows_recognition() -> dict[str, Any] | None:
            response = await http.get(
                f"{stack.url('ingest')}/dossiers/{dossier}/documents/{document_id}",
                headers=client_user,
            )
            body = response.json()
            return body if body["recognition_status"] == "ok" else None

        listed = await eventually(mailbox_knows_recognition)
        assert listed["counterparty_name"] == "SupplierOfficialName Ltd"
        assert Decimal(listed["total_incl_vat"]) == Decimal("1656.25")

    # The flow's correlation id travels from the HTTP request through every event it caused.
    chain = await events_about(bootstrap_of(stack), document_id)
    received = chain["document.received.v1"]
    recognized = chain["document.recognized.v1"]
    submitted = chain["document.submitted.v1"]
    assert received["correlationid"] == correlation_id
    assert recognized["correlationid"] == correlation_id
    assert recognized["causationid"] == received["id"]
    assert submitted["dossierid"] == str(dossier)
    assert recognized["data"]["invoice"]["fields"]["total_incl_vat"] == "1656.25"


async def events_about(bootstrap: str, document_id: str) -> dict[str, dict[str, Any]]:
    """The envelopes on the document topics whose data names `document_id`, by topic."""
    topics = ("document.received.v1", "document.recognized.v1", "document.submitted.v1")
    found = await read_topics(
        bootstrap,
        *topics,
        keep=lambda message: message.data.get("document_id") == document_id,
        enough=lambda found: len({message.topic for message in found}) == len(topics),
    )
    return {message.topic: message.envelope for message in found}


async def test_same_invoice_twice_is_flagged_as_possible_duplicate(stack: Stack) -> None:
    dossier = DEMO_DOSSIER_ID
    headers = bearer(stack)
    ids = []
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(2):
            content = (UBL_SAMPLES / "ubl-tc434-example1.xml").read_bytes()
            ids.append(await upload_and_submit(http, stack, dossier, content, headers))

            async def proposal_of(document_id: str = ids[-1]) -> dict[str, Any] | None:
                response = await http.get(
                    f"{stack.url('worklist')}/dossiers/{dossier}/proposals", headers=headers
                )
                found = [item for item in response.json() if item["document_id"] == document_id]
                return found[0] if found else None

            await eventually(proposal_of)
        response = await http.get(
            f"{stack.url('worklist')}/dossiers/{dossier}/proposals", headers=headers
        )
        by_document = {item["document_id"]: item for item in response.json()}
    assert by_document[ids[0]]["status"] in ("ok", "ok_new")
    assert by_document[ids[1]]["status"] == "ok_duplicate"
    assert by_document[ids[1]]["warnings"]


@pytest.mark.parametrize(
    "service", ["ingest", "recognition", "worklist", "approvals", "payments", "sync"]
)
async def test_every_service_is_ready_and_exposes_metrics(stack: Stack, service: str) -> None:
    async with httpx.AsyncClient(timeout=5) as http:
        ready = await http.get(stack.url(service) + "/readyz")
        assert ready.status_code == 200
        assert ready.json()["checks"] == {"database": "ok", "kafka": "ok"}
        metrics = await http.get(stack.url(service) + "/metrics")
        assert "ledgerline_http_requests_total" in metrics.text


async def test_bad_requests_get_clear_4xx_answers(stack: Stack) -> None:
    dossier = DEMO_DOSSIER_ID
    documents = f"{stack.url('ingest')}/dossiers/{dossier}/documents"
    async with httpx.AsyncClient(timeout=10) as http:
        before = (await http.get(documents, headers=bearer(stack))).json()
        no_token = await http.post(documents, content=b"<a/>")
        assert no_token.status_code == 401
        assert "bearer token" in no_token.json()["detail"]

        forged = await http.get(documents, headers={"Authorization": "Bearer not-a-jwt"})
        assert forged.status_code == 401

        other_dossier = uuid.uuid4()
        hidden = await http.get(
            f"{stack.url('ingest')}/dossiers/{dossier}/documents",
            headers=bearer(stack, role=Role.EMPLOYEE, dossiers=[other_dossier]),
        )
        assert hidden.status_code == 404

        other_office = await http.get(
            documents, headers=bearer(stack, office_id=uuid.uuid4(), dossiers=[dossier])
        )
        assert other_office.status_code == 404

        not_xml = await http.post(
            documents,
            content=b"this is not xml at all",
            headers=bearer(stack) | {"Content-Type": "application/xml"},
        )
        assert not_xml.status_code == 422
        assert "not a PDF" in not_xml.json()["detail"]

        broken_xml = await http.post(
            documents,
            content=b"<Invoice><cbc:ID>1</Invoice>",
            headers=bearer(stack) | {"Content-Type": "application/xml"},
        )
        assert broken_xml.status_code == 422
        assert "well-formed" in broken_xml.json()["detail"]

        entity_bomb = await http.post(
            documents,
            content=b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><l>&a;</l>',
            headers=bearer(stack) | {"Content-Type": "application/xml"},
        )
        assert entity_bomb.status_code == 422

        malformed_json = await http.post(
            f"{stack.url('sync')}/dossiers",
            content=b'{"name": "x", ',
            headers=bearer(stack) | {"Content-Type": "application/json"},
        )
        assert malformed_json.status_code == 422
        assert "JSON" in malformed_json.json()["detail"]

        client_cannot_activate = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={"name": "X", "accounting_package": "exact", "dossier_code": "X1"},
            headers=bearer(stack, role=Role.CLIENT_ADMINISTRATOR),
        )
        assert client_cannot_activate.status_code == 403

        wrong_role = await http.get(
            f"{stack.url('worklist')}/dossiers/{dossier}/proposals",
            headers=bearer(stack, role=Role.CLIENT_DOCUMENT_DELIVERY),
        )
        assert wrong_role.status_code == 403

        bad_iban = await http.post(
            f"{stack.url('payments')}/dossiers/{dossier}/bank-accounts",
            json={"iban": "BE00 0000 0000 0000", "holder_name": "Bakkerij Peeters"},
            headers=bearer(stack),
        )
        assert bad_iban.status_code == 422
        assert "IBAN" in bad_iban.json()["detail"]

        after = (await http.get(documents, headers=bearer(stack))).json()
        assert after == before, "a refused request must write nothing"
