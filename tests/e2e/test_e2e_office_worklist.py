"""The office-wide worklist across services: documents delivered to two dossiers of an office
show in one list to the office admin, only in their own dossier to an employee assigned to it,
and never to another office; a proposal moved to the other dossier takes its document along in
ingest (document.moved.v1) and recognition; an Empty proposal read again (recognition is asked
with document.recognition-requested.v1, answers document.recognized.v1) stays one proposal."""

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
    events_where,
    eventually,
    recognition,
    upload_and_submit,
)

pytestmark = [pytest.mark.e2e]


async def test_the_office_list_moving_a_proposal_and_reading_a_document_again(
    stack: Stack,
) -> None:
    office, other_office = uuid.uuid4(), uuid.uuid4()
    admin = bearer(stack, office_id=office, subject="admin@wl-office.example")
    first = await activate_dossier(stack, "Eerste BV", "WLO", admin)
    second = await activate_dossier(stack, "Tweede BV", "WLT", admin)
    other_admin = bearer(stack, office_id=other_office, subject="admin@elders.example")
    elsewhere = await activate_dossier(stack, "Elders BV", "ELS", other_admin)
    employee = bearer(
        stack,
        office_id=office,
        role=Role.EMPLOYEE,
        subject="eva@wl-office.example",
        dossiers=[second],
    )
    worklist = stack.url("worklist")
    async with httpx.AsyncClient(timeout=30) as http:
        invoice = await upload_and_submit(
            http, stack, first, base_example(f"WLO-{uuid.uuid4().hex[:8]}"), admin
        )
        unreadable = await upload_and_submit(
            http, stack, first, b"<a/>", admin, filename="unreadable.xml"
        )
        await upload_and_submit(
            http, stack, elsewhere, base_example(f"ELS-{uuid.uuid4().hex[:8]}"), other_admin
        )

        async def office_list(headers: dict[str, str]) -> list[dict[str, Any]]:
            response = await http.get(f"{worklist}/office/proposals", headers=headers)
            assert response.status_code == 200, response.text
            return response.json()  # type: ignore[no-any-return]

        async def both() -> list[dict[str, Any]] | None:
            listed = await office_list(admin)
            return listed if len(listed) == 2 else None

        listed = {p["document_id"]: p for p in await eventually(both, 90, "two proposals")}
        assert {p["dossier_id"] for p in listed.values()} == {str(first)}
        empty = listed[unreadable]
        assert empty["status"] == "empty", empty
        # The employee sees the second dossier only (nothing yet), the other office its own.
        assert await office_list(employee) == []
        assert [p["dossier_id"] for p in await office_list(other_admin)] in ([], [str(elsewhere)])

        moved = await http.post(
            f"{worklist}/dossiers/{first}/proposals/bulk/move",
            json={
                "proposal_ids": [listed[invoice]["id"], empty["id"]],
                "dossier_id": str(second),
            },
            headers=admin,
        )
        assert moved.status_code == 200, moved.text
        assert {p["dossier_id"] for p in moved.json()} == {str(second)}
        assert {p["document_id"] for p in await office_list(employee)} == {invoice, unreadable}
        refused = await http.post(
            f"{worklist}/dossiers/{second}/proposals/bulk/move",
            json={"proposal_ids": [empty["id"]], "dossier_id": str(elsewhere)},
            headers=admin,
        )
        assert refused.status_code == 422, refused.text

        # Ingest files the document in the second dossier.
        async def in_second() -> bool | None:
            response = await http.get(
                f"{stack.url('ingest')}/dossiers/{second}/documents/{invoice}", headers=admin
            )
            return True if response.status_code == 200 else None

        await eventually(in_second, 60, "ingest to move the document")
        gone = await http.get(
            f"{stack.url('ingest')}/dossiers/{first}/documents/{invoice}", headers=admin
        )
        assert gone.status_code == 404

        # Read the unreadable document again, from its new dossier: the same proposal answers.
        asked = await http.post(
            f"{worklist}/dossiers/{second}/proposals/{empty['id']}/recognize", headers=employee
        )
        assert asked.status_code == 200, asked.text
        assert asked.json()["recognition_requested_at"] is not None

        async def answered() -> dict[str, Any] | None:
            response = await http.get(
                f"{worklist}/dossiers/{second}/proposals/{empty['id']}", headers=employee
            )
            found: dict[str, Any] = response.json()
            return found if found["recognition_requested_at"] is None else None

        reread = await eventually(answered, 90, "the proposal to be read again")
        assert reread["status"] == "empty"
        recognised = await events_where(stack, "document.recognized.v1", "document_id", unreadable)
        assert [envelope["dossierid"] for envelope in recognised] == [str(first), str(second)]
        requested = await events_where(
            stack, "document.recognition-requested.v1", "document_id", unreadable
        )
        assert len(requested) == 1
        assert (await recognition(http, stack, second, unreadable, admin))["status"] == "empty"
        ids = [p["id"] for p in await office_list(admin) if p["document_id"] == unreadable]
        assert ids == [empty["id"]]
        ok = await http.post(
            f"{worklist}/dossiers/{second}/proposals/{listed[invoice]['id']}/recognize",
            headers=admin,
        )
        assert ok.status_code in (200, 409)  # only when recognition did not read it
        if listed[invoice]["status"] not in ("ocr", "empty", "nok"):
            assert ok.status_code == 409
