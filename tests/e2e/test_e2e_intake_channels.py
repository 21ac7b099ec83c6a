"""Intake channels end to end: e-mail over real SMTP, multi-file upload, Peppol delivery.

Each test activates a dossier of its own (in an office of its own, through sync), waits until
ingest knows its code from `dossier.activated.v1`, and talks SMTP with `smtplib` to the
running ingest process.
"""

import asyncio
import io
import os
import signal
import smtplib
import uuid
from dataclasses import dataclass
from decimal import Decimal
from email.message import EmailMessage
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import Line, Party, generated_invoice
from pypdf import PdfWriter

from tests.e2e.helpers import bearer, bootstrap_of, document_events, eventually

pytestmark = [pytest.mark.e2e]


def _pdf(title: str) -> bytes:
    """A one-page PDF; the title makes its bytes its own (ingest refuses damaged PDFs)."""
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


PDF_1 = _pdf("the first invoice")
PDF_2 = _pdf("the second invoice")


@dataclass(frozen=True)
class Dossier:
    id: uuid.UUID
    code: str
    domain: str
    headers: dict[str, str]
    base: str

    def address(self, prefix: str = "") -> str:
        return f"{prefix}{self.code}@{self.domain}"


async def activate_dossier(
    stack: Stack, vat_number: str | None = None, office: uuid.UUID | None = None
) -> Dossier:
    office = office or uuid.uuid4()
    headers = bearer(stack, office_id=office, dossiers=[])
    code = f"M{uuid.uuid4().hex[:8].upper()}"
    async with httpx.AsyncClient(timeout=10, headers=headers) as http:
        response = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={"name": "Mail BV", "accounting_package": "exact", "dossier_code": code}
            | ({"vat_number": vat_number} if vat_number else {}),
        )
        assert response.status_code == 201, response.text
    dossier_id = uuid.UUID(response.json()["id"])
    connection = await asyncpg.connect(stack.database_urls["ingest"])
    try:

        async def known() -> asyncpg.Record | None:
            return await connection.fetchrow(
                "SELECT email_domain FROM dossiers WHERE id = $1 AND active "
                "AND dossier_code IS NOT NULL",
                dossier_id,
            )

        row = await eventually(known)
    finally:
        await connection.close()
    base = f"{stack.url('ingest')}/dossiers/{dossier_id}"
    return Dossier(dossier_id, code, row["email_domain"], headers, base)


def mail(sender: str, to: str, subject: str, *pdfs: tuple[str, bytes]) -> EmailMessage:
    message = EmailMessage()
    message["From"] = f"Meelhandel Janssens <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message.set_content("Beste, in bijlage onze facturen.")
    for name, content in pdfs:
        message.add_attachment(content, maintype="application", subtype="pdf", filename=name)
    return message


def send(stack: Stack, message: EmailMessage, sender: str, to: str) -> dict[str, Any]:
    """Sends over SMTP; returns smtplib's refused recipients (raises when all are refused)."""
    with smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20) as smtp:
        return smtp.send_message(message, from_addr=sender, to_addrs=[to])


async def documents(dossier: Dossier, **params: str) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(timeout=10, headers=dossier.headers) as http:
        response = await http.get(f"{dossier.base}/documents", params=params)
    assert response.status_code == 200, response.text
    return list(response.json())


async def test_a_mail_with_two_pdfs_becomes_two_purchase_documents(stack: Stack) -> None:
    dossier = await activate_dossier(stack, vat_number="BE0477472701")
    to = dossier.address("aankoop-")
    sender = "facturen@meelhandel.example"
    message = mail(sender, to, "Facturen november", ("f-1.pdf", PDF_1), ("f-2.pdf", PDF_2))

    refused = await asyncio.to_thread(send, stack, message, sender, to)
    assert refused == {}

    # 250 came after the commit: the documents are there at once, no waiting.
    stored = await documents(dossier, mailbox="purchase")
    assert sorted(d["filename"] for d in stored) == ["f-1.pdf", "f-2.pdf"]
    for document in stored:
        assert document["channel"] == "email"
        assert document["sender"] == sender
        assert document["subject"] == "Facturen november"
        assert document["status"] == "in_mailbox"
        assert document["delivered_by"] == sender
    assert await documents(dossier, mailbox="sales") == []

    ids = {d["id"] for d in stored}
    received = await document_events(bootstrap_of(stack), "document.received.v1", ids)
    assert set(received) == ids
    for envelope in received.values():
        assert envelope["data"]["channel"] == "email"
        assert envelope["data"]["mailbox"] == "purchase"
        assert envelope["dossierid"] == str(dossier.id)
        # Recognition is told the dossier's own VAT number: the buyer's, never the supplier's.
        assert envelope["data"]["dossier_vat_number"].replace(" ", "").replace(".", "") == (
            "BE0477472701"
        )

    async with httpx.AsyncClient(timeout=10, headers=dossier.headers) as http:
        contents = {
            (await http.get(f"{dossier.base}/documents/{d['id']}/content")).content for d in stored
        }
    assert contents == {PDF_1, PDF_2}


async def test_each_address_delivers_to_its_mailbox(stack: Stack) -> None:
    dossier = await activate_dossier(stack)
    sender = "x@supplier.example"
    for prefix in ("", "verkoop-", "divers-"):
        to = dossier.address(prefix).upper()  # addresses are compared without case
        message = mail(sender, to, prefix or "unique", ("doc.pdf", PDF_1))
        assert await asyncio.to_thread(send, stack, message, sender, to) == {}
    by_mailbox = {d["subject"]: d["mailbox"] for d in await documents(dossier)}
    assert by_mailbox == {"unique": "purchase", "verkoop-": "sales", "divers-": "misc"}


async def test_an_unknown_address_is_refused_at_rcpt(stack: Stack) -> None:
    dossier = await activate_dossier(stack)
    to = f"aankoop-nosuchdossier@{dossier.domain}"
    message = mail("a@b.example", to, "?", ("doc.pdf", PDF_1))
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(send, stack, message, "a@b.example", to)
    assert refused.value.recipients == {
        to: (550, f"5.1.1 <{to}>: no dossier mailbox has this address".encode())
    }


async def test_a_sender_off_the_whitelist_is_refused_when_the_whitelist_is_on(
    stack: Stack,
) -> None:
    dossier = await activate_dossier(stack)
    async with httpx.AsyncClient(timeout=10, headers=dossier.headers) as http:
        bad = await http.put(
            f"{dossier.base}/intake-settings",
            json={
                "auto_forward_purchase": False,
                "auto_forward_sales": False,
                "use_sender_whitelist": True,
                "sender_whitelist": ["not an address"],
            },
        )
        assert bad.status_code == 422
        assert "neither an e-mail address nor a domain" in bad.text
        settings = await http.put(
            f"{dossier.base}/intake-settings",
            json={
                "auto_forward_purchase": False,
                "auto_forward_sales": False,
                "use_sender_whitelist": True,
                "sender_whitelist": ["@Trusted.example", "boss@other.example"],
            },
        )
    assert settings.status_code == 200, settings.text
    assert settings.json()["sender_whitelist"] == ["boss@other.example", "trusted.example"]
    assert settings.json()["addresses"]["purchase"] == dossier.address("aankoop-").lower()

    to = dossier.address("aankoop-")
    stranger = "someone@other.example"
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        await asyncio.to_thread(
            send, stack, mail(stranger, to, "x", ("a.pdf", PDF_1)), stranger, to
        )
    assert refused.value.recipients == {
        to: (
            550,
            f"5.7.1 <{to}>: the sender <{stranger}> is not on this dossier's whitelist of "
            "e-mail senders".encode(),
        )
    }
    assert await documents(dossier) == []

    for allowed in ("billing@trusted.example", "boss@other.example"):
        message = mail(allowed, to, allowed, ("a.pdf", PDF_1))
        assert await asyncio.to_thread(send, stack, message, allowed, to) == {}
    assert sorted(d["sender"] for d in await documents(dossier)) == [
        "billing@trusted.example",
        "boss@other.example",
    ]


async def test_a_mail_without_a_document_is_refused_with_a_reason(stack: Stack) -> None:
    dossier = await activate_dossier(stack)
    to = dossier.address("aankoop-")
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(send, stack, mail("a@b.example", to, "no pdf"), "a@b.example", to)
    assert refused.value.smtp_code == 554
    assert refused.value.smtp_error == (
        b"5.6.0 the message has no attachment; attach the invoice as a PDF, image or UBL/CII XML"
    )

    zipped = mail("a@b.example", to, "zip", ("ok.pdf", PDF_1))
    zipped.add_attachment(
        b"PK\x03\x04...", maintype="application", subtype="zip", filename="all.zip"
    )
    with pytest.raises(smtplib.SMTPDataError) as refused:
        await asyncio.to_thread(send, stack, zipped, "a@b.example", to)
    assert refused.value.smtp_code == 554
    assert b"attachment all.zip is refused" in refused.value.smtp_error
    assert await documents(dossier) == []  # not even the PDF next to it


async def test_the_size_limit_is_advertised_and_enforced(stack: Stack) -> None:
    dossier = await activate_dossier(stack)

    def size_limit() -> int:
        with smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20) as smtp:
            smtp.ehlo()
            return int(smtp.esmtp_features["size"])

    limit = await asyncio.to_thread(size_limit)
    assert limit > 0
    to = dossier.address("aankoop-")
    with pytest.raises(smtplib.SMTPSenderRefused) as refused:
        await asyncio.to_thread(
            lambda: smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20).sendmail(
                "a@b.example", [to], b"x", mail_options=[f"SIZE={limit + 1}"]
            )
        )
    assert refused.value.smtp_code == 552
    assert await documents(dossier) == []


async def test_with_auto_forward_documents_go_straight_to_processing(stack: Stack) -> None:
    dossier = await activate_dossier(stack)
    async with httpx.AsyncClient(timeout=10, headers=dossier.headers) as http:
        response = await http.put(
            f"{dossier.base}/intake-settings",
            json={
                "auto_forward_purchase": True,
                "auto_forward_sales": False,
                "use_sender_whitelist": False,
                "sender_whitelist": [],
            },
        )
        assert response.status_code == 200, response.text
    sender = "facturen@meelhandel.example"
    for prefix in ("aankoop-", "verkoop-"):
        to = dossier.address(prefix)
        message = mail(sender, to, prefix, ("f.pdf", PDF_1), ("g.pdf", PDF_2))
        assert await asyncio.to_thread(send, stack, message, sender, to) == {}

    purchase = await documents(dossier, mailbox="purchase")
    assert [d["status"] for d in purchase] == ["in_processing", "in_processing"]
    assert all(d["submitted_at"] for d in purchase)
    assert [d["status"] for d in await documents(dossier, mailbox="sales")] == [
        "in_mailbox",
        "in_mailbox",
    ]
    ids = {d["id"] for d in purchase}
    submitted = await document_events(bootstrap_of(stack), "document.submitted.v1", ids)
    assert set(submitted) == ids


async def test_several_files_in_one_upload_are_stored_all_or_nothing(stack: Stack) -> None:
    dossier = await activate_dossier(stack)
    url = f"{dossier.base}/documents/batch"
    async with httpx.AsyncClient(timeout=10, headers=dossier.headers) as http:
        refused = await http.post(
            url,
            params={"mailbox": "sales"},
            files=[
                ("file", ("a.pdf", PDF_1, "application/pdf")),
                ("file", ("notes.txt", b"just text", "application/pdf")),
            ],
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["detail"] == (
            "notes.txt: the document is not a PDF, an image (PNG, JPEG, TIFF) or an XML file"
        )
        assert await documents(dossier) == []

        stored = await http.post(
            url,
            params={"mailbox": "sales"},
            files=[
                ("file", ("a.pdf", PDF_1, "application/pdf")),
                ("file", ("b.pdf", PDF_2, "application/pdf")),
                ("file", ("c.xml", b"<Invoice/>", "text/xml")),
            ],
        )
    assert stored.status_code == 201, stored.text
    body = stored.json()
    assert [(d["filename"], d["mailbox"], d["channel"]) for d in body] == [
        ("a.pdf", "sales", "upload"),
        ("b.pdf", "sales", "upload"),
        ("c.xml", "sales", "upload"),
    ]
    assert {d["id"] for d in await documents(dossier, mailbox="sales")} == {d["id"] for d in body}
    ids = {d["id"] for d in body}
    received = await document_events(bootstrap_of(stack), "document.received.v1", ids)
    assert set(received) == ids


def ubl_for(enterprise: str) -> bytes:
    """A new invoice to the buyer with this Belgian enterprise number (its Peppol id and VAT)."""
    return generated_invoice(
        uuid.uuid4().hex[:10],
        [Line("Flour", Decimal("10.00"))],
        supplier=Party("Meelhandel Janssens NV", "BE0403019261", "Gent"),
        customer=Party("Buyer BV", f"BE{enterprise}", "Leuven", endpoint=enterprise),
    ).xml


async def test_a_peppol_delivery_finds_the_dossier_by_the_buyer_and_is_stored_once(
    stack: Stack,
) -> None:
    office = uuid.uuid4()
    enterprise = f"0{uuid.uuid4().int % 10**9:09d}"
    dossier = await activate_dossier(stack, vat_number=f"BE{enterprise}", office=office)
    other = await activate_dossier(stack, vat_number="BE0999999999", office=office)
    invoice = ubl_for(enterprise)
    connector = bearer(stack, office_id=office, dossiers=[])
    url = f"{stack.url('ingest')}/peppol/documents"
    async with httpx.AsyncClient(timeout=10, headers=connector) as http:
        key = {"Idempotency-Key": f"ap-{uuid.uuid4()}", "Content-Type": "application/xml"}
        first = await http.post(url, content=invoice, headers=key)
        assert first.status_code == 201, first.text
        retry = await http.post(url, content=invoice, headers=key)
        assert retry.status_code == 200, retry.text
        assert retry.json() == first.json()
        reused = await http.post(url, content=ubl_for(enterprise), headers=key)
        assert reused.status_code == 409
        assert reused.json()["detail"] == (
            f"the Idempotency-Key {key['Idempotency-Key']} was used for another document "
            f"({first.json()['id']})"
        )

        unknown = await http.post(
            url,
            content=ubl_for("0111111111"),
            headers={"Content-Type": "application/xml"},
        )
        assert unknown.status_code == 422
        assert unknown.json()["detail"] == (
            "no dossier of your office has the buyer's VAT number BE0111111111"
        )
        client = bearer(
            stack, office_id=office, role=Role.CLIENT_ADMINISTRATOR, dossiers=[dossier.id]
        )
        forbidden = await http.post(url, content=invoice, headers=client)
        assert forbidden.status_code == 403

    document = first.json()
    assert (document["dossier_id"], document["mailbox"], document["channel"]) == (
        str(dossier.id),
        "purchase",
        "peppol",
    )
    assert [d["id"] for d in await documents(dossier)] == [document["id"]]
    assert await documents(other) == []


def _sigkill_ingest(stack: Stack) -> int:
    """SIGKILLs ingest's process group; the stack's supervisor starts it again."""
    process = stack.services["ingest"].process
    assert process is not None
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    return process.pid


async def _ingest_back(stack: Stack, killed: int) -> None:
    async def restarted() -> bool | None:
        process = stack.services["ingest"].process
        return True if process is not None and process.pid != killed else None

    await eventually(restarted)
    await stack.wait_ready()


async def test_a_mail_cut_off_by_a_crash_stores_nothing_and_one_answered_250_survives_it(
    stack: Stack,
) -> None:
    dossier = await activate_dossier(stack)
    to = dossier.address("aankoop-")
    sender = "facturen@meelhandel.example"
    message = mail(sender, to, "crash", ("f-1.pdf", PDF_1), ("f-2.pdf", PDF_2)).as_bytes()

    # Killed in the middle of DATA: nothing stored (the sender's server keeps and retries it).
    smtp = smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20)
    smtp.ehlo()
    assert smtp.mail(sender)[0] == 250
    assert smtp.rcpt(to)[0] == 250
    assert smtp.docmd("DATA")[0] == 354
    smtp.send(message[: len(message) // 2])
    killed = await asyncio.to_thread(_sigkill_ingest, stack)
    smtp.close()
    await _ingest_back(stack, killed)
    assert await documents(dossier) == []

    # Killed right after 250: both documents and both events are there after the restart.
    assert (
        await asyncio.to_thread(
            send,
            stack,
            mail(sender, to, "crash", ("f-1.pdf", PDF_1), ("f-2.pdf", PDF_2)),
            sender,
            to,
        )
        == {}
    )
    killed = await asyncio.to_thread(_sigkill_ingest, stack)
    await _ingest_back(stack, killed)
    stored = await documents(dossier)
    assert sorted(d["filename"] for d in stored) == ["f-1.pdf", "f-2.pdf"]
    ids = {d["id"] for d in stored}
    received = await document_events(bootstrap_of(stack), "document.received.v1", ids)
    assert set(received) == ids
