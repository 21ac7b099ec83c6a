"""One mail address per journal, on the real PostgreSQL and ingest's real SMTP server: a dossier
with two purchase journals (kept from ledger.synced.v1) takes mail at
`aankoop-<journal>-<code>@`, records the journal on the document and in its events, lists the
addresses in its intake settings; an address of a journal it does not have is refused at RCPT."""

import asyncio
import json
import smtplib
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from io import BytesIO
from typing import Any

import pytest
from ingest.entrypoints.consumers import on_ledger_synced
from ledgerline.auth import Role
from ledgerline.db import UnitOfWork
from ledgerline.devstack.ports import free_port
from ledgerline.events import Envelope, Journal, LedgerSynced
from pypdf import PdfWriter

pytestmark = [pytest.mark.integration]

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def journal(code: str, type_: str, *, credit: bool = False) -> Journal:
    return Journal(
        code=code, name=code, type=type_, number_format="yy000###",  # type: ignore[arg-type]
        credit_note_only=credit,
    )  # fmt: skip


def pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def synced(ingest: Any, *journals: Journal, full: bool = True) -> None:
    data = LedgerSynced(
        synced_at=NOW, sync_id=uuid.uuid4(), full=full, last_chunk=True, journals=journals
    )
    event = Envelope[LedgerSynced](
        source="/tests", type="t", dossierid=ingest.dossier, officeid=ingest.office,
        correlationid="c", data=data,
    )  # fmt: skip
    async with UnitOfWork(ingest.pool, source="ingest") as uow:
        await on_ledger_synced(uow, event)


def send(port: int, to: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "facturen@molen.example", to, "Factuur"
    message.set_content("Zie bijlage.")
    message.add_attachment(pdf(), maintype="application", subtype="pdf", filename="f.pdf")
    with smtplib.SMTP("127.0.0.1", port, timeout=20) as smtp:
        smtp.send_message(message, from_addr="facturen@molen.example", to_addrs=[to])


async def events(ingest: Any, kind: str) -> list[dict[str, Any]]:
    found = []
    for row in await ingest.pool.fetch("SELECT payload FROM outbox ORDER BY event_id"):
        payload = row["payload"]
        envelope = json.loads(payload) if isinstance(payload, str | bytes) else payload
        if envelope["type"].endswith(kind):
            found.append(envelope["data"])
    return found


async def test_mail_to_a_journal_address_lands_with_its_journal(ingest_app: Any) -> None:
    port = free_port()
    async with ingest_app(smtp_port=port, smtp_host="127.0.0.1") as ingest:
        await ingest.pool.execute(
            "UPDATE dossiers SET dossier_code = 'PEETERS', auto_forward_purchase = true "
            "WHERE id = $1",
            ingest.dossier,
        )
        await synced(
            ingest,
            journal("CFAAN", "purchase"),
            journal("CFAAN2", "purchase"),
            journal("CFCNAK", "purchase", credit=True),
            journal("CFVER", "sales"),
            journal("FIN", "financial"),
        )
        settings = await ingest.http.get(
            f"/dossiers/{ingest.dossier}/intake-settings",
            headers=ingest.headers(Role.CLIENT_FULL_ACCESS),
        )
        assert settings.status_code == 200, settings.text
        assert settings.json()["journal_addresses"] == [
            {
                "journal": "CFAAN",
                "mailbox": "purchase",
                "address": "aankoop-cfaan-peeters@bakkerij.example",
            },
            {
                "journal": "CFAAN2",
                "mailbox": "purchase",
                "address": "aankoop-cfaan2-peeters@bakkerij.example",
            },
        ]

        # Before: refused at RCPT (no dossier "cfaan2-peeters"), like any unknown address.
        await asyncio.to_thread(send, port, "Aankoop-CFAAN2-Peeters@bakkerij.example")
        row = await ingest.pool.fetchrow(
            "SELECT id, mailbox, journal, status FROM documents WHERE dossier_id = $1",
            ingest.dossier,
        )
        assert (row["mailbox"], row["journal"], row["status"]) == (
            "purchase", "CFAAN2", "in_processing",
        )  # fmt: skip
        [received] = await events(ingest, "document.received.v1")
        [submitted] = await events(ingest, "document.submitted.v1")
        assert received["journal"] == submitted["journal"] == "CFAAN2"
        assert received["document_id"] == submitted["document_id"] == str(row["id"])

        # The plain purchase address records no journal.
        await asyncio.to_thread(send, port, "aankoop-peeters@bakkerij.example")
        journals = await ingest.pool.fetch(
            "SELECT journal FROM documents WHERE dossier_id = $1 ORDER BY received_at",
            ingest.dossier,
        )
        assert [r["journal"] for r in journals] == ["CFAAN2", None]

        # A journal the dossier does not have, its only sales journal and its credit-note
        # journal have no address: 550 at RCPT, nothing stored.
        for address in (
            "aankoop-cfaan9-peeters@bakkerij.example",
            "verkoop-cfver-peeters@bakkerij.example",
            "aankoop-cfcnak-peeters@bakkerij.example",
        ):
            with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
                await asyncio.to_thread(send, port, address)
            code, text = refused.value.recipients[address]
            assert code == 550
            assert b"no dossier mailbox has this address" in text
        assert await ingest.pool.fetchval("SELECT count(*) FROM documents") == 2

        # A full resync without CFAAN2: one purchase journal left, so no journal addresses.
        await synced(ingest, journal("CFAAN", "purchase"), journal("CFVER", "sales"))
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            await asyncio.to_thread(send, port, "aankoop-cfaan2-peeters@bakkerij.example")
        settings = await ingest.http.get(
            f"/dossiers/{ingest.dossier}/intake-settings",
            headers=ingest.headers(Role.CLIENT_FULL_ACCESS),
        )
        assert settings.json()["journal_addresses"] == []
