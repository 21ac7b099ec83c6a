"""Who works a dossier's worklist follows its validation mode, set at activation in sync and
kept by the worklist from dossier.activated/updated.v1: by the office, hybrid (the client
corrects, the office sends) or by the client."""

import uuid
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import base_example

from tests.e2e.helpers import (
    activate_dossier,
    bearer,
    eventually,
    upload_and_submit,
    worklist_knows_validation,
)

pytestmark = [pytest.mark.e2e]


async def test_the_client_corrects_in_hybrid_mode_and_sends_only_in_client_mode(
    stack: Stack,
) -> None:
    office = bearer(stack)
    dossier = await activate_dossier(stack, "Hybride BV", "HYB", office, {"validation": "hybrid"})
    client = bearer(
        stack, role=Role.CLIENT_ADMINISTRATOR, subject="an@hybride.example", dossiers=[dossier]
    )
    delivery = bearer(
        stack, role=Role.CLIENT_DOCUMENT_DELIVERY, subject="bo@hybride.example", dossiers=[dossier]
    )
    proposals = f"{stack.url('worklist')}/dossiers/{dossier}/proposals"
    async with httpx.AsyncClient(timeout=20) as http:
        document = await upload_and_submit(
            http, stack, dossier, base_example(f"HYB-{uuid.uuid4().hex[:8]}"), client
        )

        async def proposal() -> dict[str, Any] | None:
            listed = (await http.get(proposals, headers=client)).json()
            return next((p for p in listed if p["document_id"] == document), None)

        proposal_id = (await eventually(proposal, what="the proposal"))["id"]
        url = f"{proposals}/{proposal_id}"

        # Hybrid: the client corrects and checks; sending and deleting are the office's.
        corrected = await http.patch(url, json={"invoice_number": "HYB-1"}, headers=client)
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["invoice_number"] == "HYB-1"
        for method, path in (("POST", "/send"), ("DELETE", "")):
            refused = await http.request(method, url + path, headers=client)
            assert refused.status_code == 403, refused.text
            assert "hybrid" in refused.json()["detail"]
        not_a_worker = await http.patch(url, json={"invoice_number": "X"}, headers=delivery)
        assert not_a_worker.status_code == 403
        assert (await http.patch(url, json={"invoice_number": "HYB-2"}, headers=office)).is_success

        # Validated by the client: the client may send (what the proposal allows).
        changed = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}", json={"validation": "client"}, headers=office
        )
        assert changed.status_code == 200, changed.text
        await worklist_knows_validation(stack, dossier, "client")
        sent = await http.post(f"{url}/send", headers=client)
        assert sent.status_code in (200, 409), sent.text  # admitted; 409: not sendable as it is

        # Validated by the office: the client reads only.
        changed = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}", json={"validation": "office"}, headers=office
        )
        assert changed.status_code == 200, changed.text
        await worklist_knows_validation(stack, dossier, "office")
        refused = await http.patch(url, json={"invoice_number": "HYB-3"}, headers=client)
        assert refused.status_code == 403
        assert "validated by the office" in refused.json()["detail"]
        assert (await http.get(url, headers=client)).status_code == 200
