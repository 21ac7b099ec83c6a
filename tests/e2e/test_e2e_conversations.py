"""Asking the client about an invoice, with all six services as processes: a UBL invoice becomes
a proposal, the office asks the client about it, the client is e-mailed through the platform's
SMTP server, answers with an attachment, and the office sees the answer unread and is e-mailed."""

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack

pytestmark = [pytest.mark.e2e]

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
OFFICE_USER = "conversations.eva@office.example"
CLIENT_USER = "conversations.ben@bakkerij-peeters.example"


async def eventually(probe: Any, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout} s")
        await asyncio.sleep(0.3)


def auth(stack: Stack, subject: str, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token(subject=subject, role=role)}"}


async def test_the_office_asks_the_client_about_an_invoice_and_gets_an_answer(
    stack: Stack,
) -> None:
    assert stack.infrastructure is not None and stack.infrastructure.smtp is not None
    smtp = stack.infrastructure.smtp
    office = auth(stack, OFFICE_USER, Role.EMPLOYEE)
    client = auth(stack, CLIENT_USER, Role.CLIENT_DOCUMENT_PROCESSING)
    ingest = f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}"
    worklist = f"{stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}"

    async def mails_to(address: str) -> list[Any]:
        return [mail for mail in await asyncio.to_thread(smtp.messages) if mail["To"] == address]

    async with httpx.AsyncClient(timeout=30) as http:
        delivered = await http.post(
            f"{ingest}/documents",
            params={"mailbox": "purchase"},
            content=(SAMPLES / "invoice.xml").read_bytes(),
            headers=client | {"Content-Type": "application/xml"},
        )
        assert delivered.status_code == 201, delivered.text
        document = delivered.json()["id"]

        async def submitted() -> bool:
            answer = await http.post(f"{ingest}/documents/{document}/submit", headers=client)
            return answer.status_code == 200

        await eventually(submitted)

        async def proposal() -> dict[str, Any] | None:
            listed = (await http.get(f"{worklist}/proposals", headers=office)).json()
            return next((p for p in listed if p["document_id"] == document), None)

        found = await eventually(proposal)

        asked = await http.post(
            f"{worklist}/conversations",
            json={
                "proposal_id": found["id"],
                "subject": f"Factuur {found['invoice_number']}",
                "text": "Waarvoor dient deze factuur?",
                "audience": "user",
                "addressed_to": CLIENT_USER,
            },
            headers=office,
        )
        assert asked.status_code == 201, asked.text
        conversation = asked.json()
        assert conversation["document_id"] == document

        [to_client] = await eventually(lambda: mails_to(CLIENT_USER))
        assert "Waarvoor dient deze factuur?" in to_client.get_content()

        [listed] = (
            await http.get(
                f"{worklist}/conversations", params={"document_id": document}, headers=client
            )
        ).json()
        assert listed["unread"] == 1
        answered = await http.post(
            f"{worklist}/conversations/{conversation['id']}/messages",
            data={"text": "Verpakking voor de winkel; bestelbon in bijlage."},
            files={
                "file": ("bestelbon.pdf", (SAMPLES / "invoice.pdf").read_bytes(), "application/pdf")
            },
            headers=client,
        )
        assert answered.status_code == 201, answered.text

        unread = (
            await http.get(f"{stack.url('worklist')}/me/unread-messages", headers=office)
        ).json()
        [demo] = [d for d in unread["dossiers"] if d["dossier_id"] == str(DEMO_DOSSIER_ID)]
        assert demo["unread_messages"] >= 1
        [to_office] = await eventually(lambda: mails_to(OFFICE_USER))
        assert "bestelbon in bijlage" in to_office.get_content()
        [attachment] = answered.json()["attachments"]
        download = await http.get(
            f"{worklist}/conversations/{conversation['id']}/attachments/{attachment['id']}",
            headers=office,
        )
        assert download.content == (SAMPLES / "invoice.pdf").read_bytes()
