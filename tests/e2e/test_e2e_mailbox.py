"""The client's mailboxes over the running services: boxes with filters, sort, pages and
counters; rename, handled, labels, comments, delete; the duplicate flag and the content-addressed
store; limits that refuse a file and store nothing; labels deciding approval rules.

Each test activates a dossier in an office of its own (through sync), so its counts are its own.
"""

import asyncio
import io
import json
import smtplib
import struct
import time
import uuid
import zipfile
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, TypeVar

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from ledgerline.auth import Role
from ledgerline.devstack.paths import given_testdata
from ledgerline.devstack.stack import Stack
from ledgerline.events import Envelope, EventData, InvoiceRejected, spec_for
from pypdf import PdfWriter

from tests.e2e.helpers import add_dossier_users, recognition_corpus

pytestmark = [pytest.mark.e2e]

T = TypeVar("T")
CLIENT = "ben.baker@mailbox-test.example"
LEAD = "lead@mailbox-test.example"
FALLBACK = "philippe@mailbox-test.example"


def pdf(pages: int = 1, password: str | None = None, text: str = "") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    writer.add_metadata({"/Title": text or uuid.uuid4().hex})  # distinct bytes per call
    if password is not None:
        writer.encrypt(password)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


async def eventually(probe: Callable[[], Awaitable[T | None]], timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout} s")
        await asyncio.sleep(0.2)


@dataclass
class Dossier:
    stack: Stack
    id: uuid.UUID
    office: uuid.UUID
    code: str
    domain: str
    http: httpx.AsyncClient

    @property
    def base(self) -> str:
        return f"{self.stack.url('ingest')}/dossiers/{self.id}"

    def headers(
        self, subject: str = CLIENT, role: Role = Role.CLIENT_FULL_ACCESS
    ) -> dict[str, str]:
        token = self.stack.token(
            subject=subject, role=role, office_id=self.office, dossiers=[self.id]
        )
        return {"Authorization": f"Bearer {token}"}

    async def call(
        self, method: str, path: str, *, as_: tuple[str, Role] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = self.headers(*as_) if as_ else self.headers()
        return await self.http.request(
            method, self.base + path, headers=headers | kwargs.pop("headers", {}), **kwargs
        )

    async def upload(self, *files: tuple[str, bytes], **params: Any) -> list[dict[str, Any]]:
        answer = await self.call(
            "POST",
            "/documents/batch",
            params=params,
            files=[
                ("file", (name, content, "application/octet-stream")) for name, content in files
            ],
        )
        assert answer.status_code == 201, answer.text
        return list(answer.json())

    async def box(self, box: str, **params: Any) -> dict[str, Any]:
        answer = await self.call("GET", f"/mailboxes/{box}/documents", params=params)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def stored(self) -> int:
        """Every document row of the dossier, deleted ones included: 'nothing stored' checks."""
        connection = await asyncpg.connect(self.stack.database_urls["ingest"])
        try:
            return int(
                await connection.fetchval(
                    "SELECT count(*) FROM documents WHERE dossier_id = $1", self.id
                )
            )
        finally:
            await connection.close()


async def activate(stack: Stack, http: httpx.AsyncClient) -> Dossier:
    office = uuid.uuid4()
    code = f"MB{uuid.uuid4().hex[:8].upper()}"
    answer = await http.post(
        f"{stack.url('sync')}/dossiers",
        json={"name": "Mailbox BV", "accounting_package": "exact", "dossier_code": code},
        headers={"Authorization": f"Bearer {stack.token(office_id=office, dossiers=[])}"},
    )
    assert answer.status_code == 201, answer.text
    dossier_id = uuid.UUID(answer.json()["id"])
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
    await stack.wait_for_dossier(dossier_id)
    return Dossier(stack, dossier_id, office, code, row["email_domain"], http)


async def events_for(stack: Stack, topic: str, document_id: str) -> list[dict[str, Any]]:
    assert stack.infrastructure is not None
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.infrastructure.bootstrap_servers,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=400)
            for records in batch.values():
                for record in records:
                    envelope = json.loads(record.value)
                    if (envelope.get("data") or {}).get("document_id") == document_id:
                        found.append(envelope)
            if found and not batch:
                break
    finally:
        await consumer.stop()
    return found


async def test_boxes_filter_sort_page_and_count(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        dossier = await activate(stack, http)
        names = ["delta.pdf", "Alfa.pdf", "charlie.pdf", "bravo.pdf", "echo.pdf"]
        purchase = await dossier.upload(*[(name, pdf(text=name)) for name in names])
        by_name = {d["filename"]: d for d in purchase}
        await dossier.upload(("sales.pdf", pdf()), mailbox="sales", label="Project 2")
        sent = await dossier.call("POST", f"/documents/{by_name['echo.pdf']['id']}/submit")
        assert sent.status_code == 200, sent.text
        labelled = await dossier.call(
            "POST", f"/documents/{by_name['bravo.pdf']['id']}/labels", json={"labels": ["Gent"]}
        )
        assert labelled.status_code == 200, labelled.text
        handled = await dossier.call(
            "PATCH", f"/documents/{by_name['delta.pdf']['id']}", json={"handled": True}
        )
        assert handled.status_code == 200 and handled.json()["handled"] is True

        counters = await dossier.call("GET", "/mailboxes")
        assert counters.status_code == 200, counters.text
        assert {c["box"]: (c["documents"], c["unhandled"]) for c in counters.json()} == {
            "purchase": (4, 3),
            "sales": (1, 1),
            "misc": (0, 0),
            "in_processing": (1, 1),
            "archive": (0, 0),
        }

        # pages of two, by name (case-insensitive), follow each other without repeats or gaps
        seen: list[str] = []
        cursor = None
        for _ in range(5):
            page = await dossier.box(
                "purchase",
                sort="name",
                order="asc",
                limit=2,
                **({"cursor": cursor} if cursor else {}),
            )
            seen += [d["filename"] for d in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ["Alfa.pdf", "bravo.pdf", "charlie.pdf", "delta.pdf"]
        # empty values (no counterparty read from blank pages) page by id, in both orders
        for order in ("asc", "desc"):
            ids: list[str] = []
            cursor = None
            while True:
                page = await dossier.box(
                    "purchase",
                    sort="counterparty",
                    order=order,
                    limit=3,
                    **({"cursor": cursor} if cursor else {}),
                )
                ids += [d["id"] for d in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert len(ids) == len(set(ids)) == 4, order
        descending = await dossier.box("purchase", sort="name", order="desc")
        assert [d["filename"] for d in descending["items"]] == seen[::-1]
        assert descending["next_cursor"] is None
        # a document arriving between two pages does not shift the next page
        first = await dossier.box("purchase", sort="name", order="asc", limit=2)
        await dossier.upload(("aaa-first.pdf", pdf()))
        rest = await dossier.box(
            "purchase", sort="name", order="asc", limit=10, cursor=first["next_cursor"]
        )
        assert [d["filename"] for d in rest["items"]] == ["charlie.pdf", "delta.pdf"]

        # filters
        assert [d["filename"] for d in (await dossier.box("purchase", label="gent"))["items"]] == [
            "bravo.pdf"
        ]
        assert [d["filename"] for d in (await dossier.box("purchase", q="ARLI"))["items"]] == [
            "charlie.pdf"
        ]
        assert [
            d["filename"] for d in (await dossier.box("purchase", handled="true"))["items"]
        ] == ["delta.pdf"]
        assert len((await dossier.box("purchase", sender="mailbox-test"))["items"]) == 5
        assert (await dossier.box("purchase", sender="nobody@else"))["items"] == []
        assert (await dossier.box("purchase", received_to="2000-01-01"))["items"] == []
        assert len((await dossier.box("purchase", received_from="2000-01-01"))["items"]) == 5
        processing = await dossier.box("in_processing", mailbox="purchase")
        assert [d["filename"] for d in processing["items"]] == ["echo.pdf"]
        assert (await dossier.box("in_processing", mailbox="sales"))["items"] == []
        sales = await dossier.box("sales")
        assert [d["labels"] for d in sales["items"]] == [["Project 2"]]

        # a cursor of another sort, an unknown sort: 422 with a sentence
        wrong = await dossier.call(
            "GET",
            "/mailboxes/purchase/documents",
            params={"sort": "total", "cursor": first["next_cursor"]},
        )
        assert wrong.status_code == 422
        assert wrong.json()["detail"] == (
            "the cursor belongs to the sort name asc; ask the first page again for sort total desc"
        )
        unknown = await dossier.call("GET", "/mailboxes/purchase/documents", params={"sort": "x"})
        assert unknown.status_code == 422

        # the archive is not for a document processing profile; another office sees nothing
        refused = await dossier.call(
            "GET",
            "/mailboxes/archive/documents",
            as_=("clerk@mailbox-test.example", Role.CLIENT_DOCUMENT_PROCESSING),
        )
        assert refused.status_code == 403
        stranger = stack.token(office_id=uuid.uuid4(), dossiers=[dossier.id])
        for path in ("/mailboxes", "/mailboxes/purchase/documents", "/labels"):
            answer = await http.get(
                dossier.base + path, headers={"Authorization": f"Bearer {stranger}"}
            )
            assert answer.status_code == 404, (path, answer.text)
        foreign = await http.patch(
            f"{dossier.base}/documents/{by_name['delta.pdf']['id']}",
            json={"filename": "mine.pdf"},
            headers={"Authorization": f"Bearer {stranger}"},
        )
        assert foreign.status_code == 404


async def test_rename_labels_comments_and_delete(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        dossier = await activate(stack, http)
        [doc, sent] = await dossier.upload(("scan 1.pdf", pdf()), ("scan 2.pdf", pdf()))
        doc_url, sent_url = f"/documents/{doc['id']}", f"/documents/{sent['id']}"

        renamed = await dossier.call("PATCH", doc_url, json={"filename": "Meelhandel nov"})
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["filename"] == "Meelhandel nov.pdf"  # the extension stays
        empty = await dossier.call("PATCH", doc_url, json={})
        assert empty.status_code == 422
        assert empty.json()["detail"] == "nothing to change: give filename or handled"
        delivery_only = await dossier.call(
            "PATCH",
            doc_url,
            json={"filename": "x.pdf"},
            as_=("post@mailbox-test.example", Role.CLIENT_DOCUMENT_DELIVERY),
        )
        assert delivery_only.status_code == 403

        added = await dossier.call(
            "POST", f"{doc_url}/labels", json={"labels": ["Project 2", "project 2", "Gent"]}
        )
        assert added.status_code == 200, added.text
        assert added.json()["labels"] == ["Project 2", "Gent"]
        too_long = await dossier.call("POST", f"{doc_url}/labels", json={"labels": ["x" * 61]})
        assert too_long.status_code == 422
        removed = await dossier.call("DELETE", f"{doc_url}/labels/GENT")
        assert removed.status_code == 200 and removed.json()["labels"] == ["Project 2"]
        labels = await dossier.call("GET", "/labels")
        assert labels.json() == [{"label": "Project 2", "documents": 1}]
        changes = await events_for(stack, "document.labels-changed.v1", doc["id"])
        assert [e["data"]["labels"] for e in changes] == [["Project 2", "Gent"], ["Project 2"]]
        assert changes[0]["data"]["changed_by"] == CLIENT

        comment = await dossier.call(
            "POST", f"{doc_url}/comments", json={"text": "Betaald met de bedrijfskaart"}
        )
        assert comment.status_code == 201, comment.text
        blank = await dossier.call("POST", f"{doc_url}/comments", json={"text": "   "})
        assert blank.status_code == 422
        comments = (await dossier.call("GET", f"{doc_url}/comments")).json()
        assert [(c["author"], c["text"]) for c in comments] == [
            (CLIENT, "Betaald met de bedrijfskaart")
        ]

        # sent to the office: 409 and still there; in the mailbox: deleted with the reason
        assert (await dossier.call("POST", f"{sent_url}/submit")).status_code == 200
        kept = await dossier.call("DELETE", sent_url, params={"reason": "oops"})
        assert kept.status_code == 409
        assert kept.json()["detail"] == (
            f"document {sent['id']} cannot be deleted: it was sent to the office (in "
            "processing); ask the office to remove it"
        )
        assert (await dossier.call("GET", sent_url)).status_code == 200
        deleted = await dossier.call("DELETE", doc_url, params={"reason": "sent twice"})
        assert deleted.status_code == 204, deleted.text
        assert (await dossier.call("GET", doc_url)).status_code == 404
        assert (await dossier.call("DELETE", doc_url)).status_code == 404
        assert (await dossier.box("purchase"))["items"] == []
        [event] = await events_for(stack, "document.deleted.v1", doc["id"])
        assert (event["data"]["deleted_by"], event["data"]["reason"]) == (CLIENT, "sent twice")

        # an invoice rejected in approval may be deleted even once sent (auto-forward)
        assert stack.infrastructure is not None
        await publish(
            stack, dossier, InvoiceRejected(document_id=uuid.UUID(sent["id"]), rejected_by=LEAD)
        )

        async def rejected() -> dict[str, Any] | None:
            document = (await dossier.call("GET", sent_url)).json()
            return document if document["approval_status"] == "rejected" else None

        await eventually(rejected)
        gone = await dossier.call("DELETE", sent_url, params={"reason": "rejected"})
        assert gone.status_code == 204, gone.text


async def publish(stack: Stack, dossier: Dossier, *events: EventData) -> None:
    """Publishes events as another service would."""
    assert stack.infrastructure is not None
    producer = AIOKafkaProducer(
        bootstrap_servers=stack.infrastructure.bootstrap_servers, acks="all"
    )
    await producer.start()
    try:
        for data in events:
            envelope = Envelope[type(data)](  # type: ignore[misc]
                source="/tests/e2e",
                type=spec_for(data).type,
                dossierid=dossier.id,
                officeid=dossier.office,
                correlationid=str(uuid.uuid4()),
                data=data,
            )
            await producer.send_and_wait(
                spec_for(data).topic,
                envelope.model_dump_json().encode(),
                key=str(dossier.id).encode(),
            )
    finally:
        await producer.stop()


async def test_the_same_file_twice_is_stored_once_and_flagged(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        dossier = await activate(stack, http)
        content = pdf()
        [first] = await dossier.upload(("f.pdf", content))
        [second, third] = await dossier.upload(("f-again.pdf", content), ("f-3.pdf", content))
        assert first["duplicate_of"] is None
        assert second["duplicate_of"] == first["id"] and third["duplicate_of"] == first["id"]
        assert first["page_count"] == 1
        flagged = await dossier.box("purchase", duplicates="true")
        assert {d["id"] for d in flagged["items"]} == {second["id"], third["id"]}
        for document in (first, second, third):
            answer = await dossier.call("GET", f"/documents/{document['id']}/content")
            assert answer.content == content
        [event] = await events_for(stack, "document.received.v1", second["id"])
        assert event["data"]["duplicate_of"] == first["id"]
        connection = await asyncpg.connect(stack.database_urls["ingest"])
        try:
            blobs = await connection.fetchval(
                "SELECT count(*) FROM document_blobs WHERE sha256 = $1", first["sha256"]
            )
            inline = await connection.fetchval(
                "SELECT count(*) FROM documents WHERE sha256 = $1 AND content IS NOT NULL",
                first["sha256"],
            )
        finally:
            await connection.close()
        assert (blobs, inline) == (1, 0)  # the bytes once, in the content-addressed store


def png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0"))


BOMB = recognition_corpus().decompression_bomb_pdf(1024)
"""A one-page PDF of about 1 MB whose content stream inflates to 1 GiB."""


def zipped(*entries: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return buffer.getvalue()


async def test_limits_refuse_with_a_sentence_and_store_nothing(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        dossier = await activate(stack, http)
        cases = [
            ("long.pdf", pdf(201), "long.pdf: the PDF has 201 pages; the limit is 200"),
            (
                "locked.pdf",
                pdf(1, password="geheim"),
                "locked.pdf: the PDF is protected with a password; send it without the password",
            ),
            (
                "huge.png",
                png_header(12_000, 9_000),
                "huge.png: the image has 108,000,000 pixels; the limit is 100,000,000 "
                "(100 megapixels)",
            ),
            (
                "bomb.zip",
                zipped(("bomb.pdf", b"%PDF-1.4" + bytes(5_000_000))),
                "bomb.zip: bomb.pdf in the ZIP archive is compressed more than 100 to 1; it is "
                "refused as a possible zip bomb",
            ),
            (
                "bomb.pdf",
                BOMB,
                "bomb.pdf: the PDF decompresses to more than 209,715,200 bytes; it is refused as "
                "a possible decompression bomb",
            ),
            (
                "mixed.zip",
                zipped(("ok.pdf", pdf()), ("notes.txt", b"just text")),
                "mixed.zip: notes.txt: the document is not a PDF, an image (PNG, JPEG, TIFF) or "
                "an XML file",
            ),
        ]
        for name, content, message in cases:
            answer = await http.post(
                f"{dossier.base}/documents/batch",
                files=[("file", ("fine.pdf", pdf(), "application/pdf")), ("file", (name, content))],
                headers=dossier.headers(),
            )
            assert answer.status_code == 422, (name, answer.text)
            assert answer.json()["detail"] == message
        single = await http.post(
            f"{dossier.base}/documents",
            content=zipped(("a.pdf", pdf())),
            headers=dossier.headers() | {"Content-Type": "application/zip"},
        )
        assert single.status_code == 422
        assert single.json()["detail"] == (
            "a ZIP archive holds several documents: upload it to /documents/batch"
        )
        # The kind comes from the bytes, never from the name or the declared Content-Type; an
        # empty file is refused as such, whichever way it comes.
        for name, content, message in [
            ("empty.pdf", b"", "the document is empty"),
            (
                "invoice.pdf",
                b"Invoice 42, total 100 EUR",
                "the document is not a PDF, an image (PNG, JPEG, TIFF) or an XML file",
            ),
        ]:
            multipart = await http.post(
                f"{dossier.base}/documents",
                files={"file": (name, content, "application/pdf")},
                headers=dossier.headers(),
            )
            assert multipart.status_code == 422, (name, multipart.text)
            assert message in multipart.json()["detail"], (name, multipart.text)
            raw = await http.post(
                f"{dossier.base}/documents",
                content=content,
                headers=dossier.headers() | {"Content-Type": "application/pdf"},
            )
            assert raw.status_code == 422, (name, raw.text)
            assert message in raw.json()["detail"], (name, raw.text)
        assert await dossier.stored() == 0

        # by e-mail, a password-protected PDF is refused at DATA with the same sentence
        to = f"aankoop-{dossier.code}@{dossier.domain}"
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@b.example", to, "locked"
        message.set_content("see attachment")
        message.add_attachment(
            pdf(1, password="x"), maintype="application", subtype="pdf", filename="locked.pdf"
        )

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20) as smtp:
                smtp.send_message(message, from_addr="a@b.example", to_addrs=[to])

        with pytest.raises(smtplib.SMTPDataError) as refused:
            await asyncio.to_thread(send)
        assert refused.value.smtp_code == 554
        assert refused.value.smtp_error == (
            b"5.6.0 attachment locked.pdf is refused: the PDF is protected with a password; "
            b"send it without the password; nothing of this message was stored"
        )
        assert await dossier.stored() == 0

        # so is a PDF that decompresses to gigabytes
        message.replace_header("Subject", "bomb")
        for part in message.iter_attachments():
            part.set_content(BOMB, maintype="application", subtype="pdf", filename="bomb.pdf")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await asyncio.to_thread(send)
        assert refused.value.smtp_code == 554
        assert refused.value.smtp_error == (
            b"5.6.0 attachment bomb.pdf is refused: the PDF decompresses to more than "
            b"209,715,200 bytes; it is refused as a possible decompression bomb; nothing of this "
            b"message was stored"
        )
        assert await dossier.stored() == 0

        # an empty attachment refuses the mail the same way
        message.replace_header("Subject", "empty")
        for part in message.iter_attachments():
            part.set_content(b"", maintype="application", subtype="pdf", filename="empty.pdf")
        with pytest.raises(smtplib.SMTPDataError) as refused:
            await asyncio.to_thread(send)
        assert refused.value.smtp_code == 554
        assert refused.value.smtp_error == (
            b"5.6.0 attachment empty.pdf is refused: the document is empty; nothing of this "
            b"message was stored"
        )
        assert await dossier.stored() == 0

        # a PNG named and declared as a PDF is stored as the PNG it is
        disguised = await http.post(
            f"{dossier.base}/documents",
            files={"file": ("scan.pdf", png_header(10, 10), "application/pdf")},
            headers=dossier.headers(),
        )
        assert disguised.status_code == 201, disguised.text
        assert disguised.json()["content_type"] == "image/png"
        assert await dossier.stored() == 1

        # a ZIP within the limits: each file a document, folders flattened
        stored = await dossier.upload(
            ("scans.zip", zipped(("nov/a.pdf", pdf(2)), ("nov/b.xml", b"<Invoice/>"))),
            ("c.pdf", pdf()),
            label="Project 2",
        )
        assert [(d["filename"], d["page_count"], d["labels"]) for d in stored] == [
            ("a.pdf", 2, ["Project 2"]),
            ("b.xml", None, ["Project 2"]),
            ("c.pdf", 1, ["Project 2"]),
        ]


def ubl_invoice(number: str) -> bytes:
    """The Peppol base example (supplier GB1232434, total 1,656.25), with its own number."""
    xml = (given_testdata() / "ubl" / "base-example.xml").read_text()
    return xml.replace("<cbc:ID>Snippet1</cbc:ID>", f"<cbc:ID>{number}</cbc:ID>", 1).encode()


async def test_labels_decide_the_approval_rules_at_intake_and_after(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=20) as http:
        dossier = await activate(stack, http)
        admin = dossier.headers(CLIENT, Role.CLIENT_ADMINISTRATOR)
        approvals = f"{stack.url('approvals')}/dossiers/{dossier.id}"
        await add_dossier_users(stack, dossier.id, LEAD, FALLBACK, office=dossier.office)
        for body in [
            {"name": "Project 2", "labels": ["Project 2"], "amount_from": "10.00",
             "approvers": [LEAD]},
            {"name": "All other invoices", "is_fallback": True, "approvers": [FALLBACK]},
        ]:  # fmt: skip
            created = await http.post(
                f"{approvals}/invoice-approval-rules", json=body, headers=admin
            )
            assert created.status_code == 201, created.text
        switched = await http.put(
            f"{approvals}/invoice-approval-process", json={"enabled": True}, headers=admin
        )
        assert switched.status_code == 200, switched.text

        async def deliver(**params: str) -> str:
            answer = await http.post(
                f"{dossier.base}/documents",
                params=params,
                content=ubl_invoice(f"LBL-{uuid.uuid4().hex[:8]}"),
                headers=admin | {"Content-Type": "application/xml"},
            )
            assert answer.status_code == 201, answer.text
            return str(answer.json()["id"])

        async def approvers(document_id: str, wanted: list[str]) -> None:
            async def probe() -> bool | None:
                answer = await http.get(
                    f"{approvals}/invoices/{document_id}/approval", headers=admin
                )
                if answer.status_code != 200:
                    return None
                found = [o["approvers"] for o in answer.json()["options"]]
                return True if found == [wanted] else None

            await eventually(probe)

        labelled, plain = await deliver(label="Project 2"), await deliver()
        await approvers(labelled, [LEAD])
        await approvers(plain, [FALLBACK])

        # relabelled after it was tested: tested again, and the mailbox follows
        added = await http.post(
            f"{dossier.base}/documents/{plain}/labels",
            json={"labels": ["project 2"]},
            headers=admin,
        )
        assert added.status_code == 200, added.text
        await approvers(plain, [LEAD])

        async def waits_for_lead() -> bool | None:
            answer = await http.get(
                f"{dossier.base}/mailboxes/purchase/documents",
                params={"approval": "to_approve_by_me"},
                headers=dossier.headers(LEAD),
            )
            ids = {d["id"] for d in answer.json()["items"]}
            return True if ids == {labelled, plain} else None

        await eventually(waits_for_lead)
        trail = await http.get(f"{approvals}/invoices/{plain}/audit-trail", headers=admin)
        assert "labels changed; approvers tested again" in [e["action"] for e in trail.json()]


async def test_a_pdf_with_an_embedded_ubl_mailed_in_is_read_as_ubl(stack: Stack) -> None:
    """Ingest stores the PDF as delivered; recognition finds the UBL inside it (issue 12's
    "a PDF with an embedded UBL"), so the mailbox shows the UBL's supplier and total."""
    async with httpx.AsyncClient(timeout=20) as http:
        dossier = await activate(stack, http)
        writer = PdfWriter()
        writer.add_blank_page(595, 842)
        writer.add_attachment("invoice.xml", ubl_invoice(f"EMB-{uuid.uuid4().hex[:8]}"))
        buffer = io.BytesIO()
        writer.write(buffer)
        to = f"aankoop-{dossier.code}@{dossier.domain}"
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "f@supplier.example", to, "factuur"
        message.set_content("in bijlage")
        message.add_attachment(
            buffer.getvalue(), maintype="application", subtype="pdf", filename="factuur.pdf"
        )

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20) as smtp:
                smtp.send_message(message, from_addr="f@supplier.example", to_addrs=[to])

        await asyncio.to_thread(send)
        [document] = (await dossier.box("purchase"))["items"]
        assert (document["content_type"], document["channel"]) == ("application/pdf", "email")

        async def recognised() -> dict[str, Any] | None:
            answer = await dossier.call("GET", f"/documents/{document['id']}")
            found = answer.json()
            return found if found["recognition_status"] is not None else None

        shown = await eventually(recognised, timeout=60)
        assert (shown["recognition_status"], shown["total_incl_vat"]) == ("ok", "1656.25")
        assert shown["counterparty_name"]
        [event] = await events_for(stack, "document.recognized.v1", document["id"])
        assert event["data"]["source"] == "ubl"
