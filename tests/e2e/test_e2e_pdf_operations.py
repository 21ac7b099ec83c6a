"""Merge and split over the running services, corrupt PDFs at intake, and the mailbox filters on
counterparty, amount and payment.

Merge and split results are read back with pypdf (page count and the text of each page, so the
order is checked), are announced with `document.received.v1` and recognised again
(`document.recognized.v1`); their sources are kept in the archive. Each test activates a dossier
in an office of its own (through sync).
"""

import asyncio
import smtplib
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage
from io import BytesIO
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack
from ledgerline.events import PaymentQueued, PaymentSettled
from ledgerline.testing.ubl import Line, Party, generated_invoice
from PIL import Image
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from tests.e2e.helpers import (
    activate_dossier,
    add_dossier_users,
    bearer,
    bootstrap_of,
    document_events,
    eventually,
    publish,
)

pytestmark = [pytest.mark.e2e]

CLIENT = "ben.baker@pdfops-test.example"
CORRUPT_PDF = b"%PDF-1.7\n" + b"\x00garbage" * 100


def pdf(*texts: str) -> bytes:
    """A PDF with one page per text, each page showing its text."""
    buffer = BytesIO()
    canvas = Canvas(buffer)
    for text in texts:
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def png() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (400, 200), (30, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


@dataclass
class Dossier:
    stack: Stack
    id: uuid.UUID
    office: uuid.UUID
    http: httpx.AsyncClient

    @property
    def base(self) -> str:
        return f"{self.stack.url('ingest')}/dossiers/{self.id}"

    @property
    def headers(self) -> dict[str, str]:
        return bearer(
            self.stack,
            subject=CLIENT,
            role=Role.CLIENT_FULL_ACCESS,
            office_id=self.office,
            dossiers=[self.id],
        )

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, self.base + path, headers=self.headers, **kwargs)

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

    async def document(self, document_id: str) -> dict[str, Any]:
        answer = await self.call("GET", f"/documents/{document_id}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def pages(self, document_id: str) -> list[str]:
        """The text of each page of the document's PDF, in order."""
        answer = await self.call("GET", f"/documents/{document_id}/content")
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/pdf"
        reader = PdfReader(BytesIO(answer.content))
        return [page.extract_text().strip() for page in reader.pages]

    async def box(self, box: str, **params: Any) -> list[dict[str, Any]]:
        answer = await self.call("GET", f"/mailboxes/{box}/documents", params=params)
        assert answer.status_code == 200, answer.text
        return list(answer.json()["items"])

    async def stored(self) -> list[tuple[str, str]]:
        """Every document row of the dossier with its status: the 'nothing written' check."""
        connection = await asyncpg.connect(self.stack.database_urls["ingest"])
        try:
            rows = await connection.fetch(
                "SELECT id, status FROM documents WHERE dossier_id = $1 ORDER BY id", self.id
            )
        finally:
            await connection.close()
        return [(str(row["id"]), row["status"]) for row in rows]


async def new_dossier(stack: Stack, http: httpx.AsyncClient) -> Dossier:
    office = uuid.uuid4()
    dossier_id = await activate_dossier(
        stack, "PDF BV", "PDF", headers=bearer(stack, office_id=office, dossiers=[])
    )
    return Dossier(stack, dossier_id, office, http)


async def recognised(stack: Stack, document_ids: set[str]) -> dict[str, dict[str, Any]]:
    """`document.recognized.v1` for each of the documents, once each has one."""

    async def all_there() -> dict[str, dict[str, Any]] | None:
        found = await document_events(
            bootstrap_of(stack), "document.recognized.v1", document_ids, timeout=10
        )
        return found if set(found) == document_ids else None

    return await eventually(all_there, 120, f"recognition of {sorted(document_ids)}")


async def test_merge_and_split_make_new_documents_that_are_recognised_again(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(timeout=60) as http:
        dossier = await new_dossier(stack, http)
        a, b, scan, three, four = await dossier.upload(
            ("a.pdf", pdf("MERGE-A1", "MERGE-A2")),
            ("b.pdf", pdf("MERGE-B1")),
            ("scan.png", png()),
            ("three.pdf", pdf("SPLIT-1", "SPLIT-2", "SPLIT-3")),
            ("four.pdf", pdf("BULK-1", "BULK-2", "BULK-3", "BULK-4")),
            label="Project 2",
        )

        # merge: b, then a, then an image as the last page
        answer = await dossier.call(
            "POST", "/documents/merge", json={"document_ids": [b["id"], a["id"], scan["id"]]}
        )
        assert answer.status_code == 201, answer.text
        merged = answer.json()
        assert (merged["filename"], merged["mailbox"], merged["status"]) == (
            "b (merged).pdf",
            "purchase",
            "in_mailbox",
        )
        assert (merged["page_count"], merged["content_type"]) == (4, "application/pdf")
        assert merged["derived_from"] == [b["id"], a["id"], scan["id"]]
        assert merged["labels"] == ["Project 2"]
        assert await dossier.pages(merged["id"]) == ["MERGE-B1", "MERGE-A1", "MERGE-A2", ""]

        # split individually: pages 3 and 1 (in that order) become a document, page 2 another
        answer = await dossier.call(
            "POST", f"/documents/{three['id']}/split", json={"mode": "individual", "pages": [3, 1]}
        )
        assert answer.status_code == 201, answer.text
        chosen, rest = answer.json()
        assert [chosen["filename"], rest["filename"]] == [
            "three (part 1 of 2).pdf",
            "three (part 2 of 2).pdf",
        ]
        assert await dossier.pages(chosen["id"]) == ["SPLIT-3", "SPLIT-1"]
        assert await dossier.pages(rest["id"]) == ["SPLIT-2"]
        assert chosen["page_count"] == 2 and rest["page_count"] == 1

        # split in bulk: pages reordered 4, 1, 2, 3; documents start at 4 and at 2
        answer = await dossier.call(
            "POST",
            f"/documents/{four['id']}/split",
            json={"mode": "bulk", "order": [4, 1, 2, 3], "starts": [4, 2]},
        )
        assert answer.status_code == 201, answer.text
        bulk = answer.json()
        assert [await dossier.pages(d["id"]) for d in bulk] == [
            ["BULK-4", "BULK-1"],
            ["BULK-2", "BULK-3"],
        ]

        # the sources are kept in the archive, each naming what was made of it
        made = {merged["id"], chosen["id"], rest["id"], *(d["id"] for d in bulk)}
        for source, results in (
            (a, [merged["id"]]),
            (b, [merged["id"]]),
            (scan, [merged["id"]]),
            (three, [chosen["id"], rest["id"]]),
            (four, [d["id"] for d in bulk]),
        ):
            kept = await dossier.document(source["id"])
            assert (kept["status"], kept["replaced_by"]) == ("archived", results), source
        archive = {d["id"] for d in await dossier.box("archive")}
        assert archive == {a["id"], b["id"], scan["id"], three["id"], four["id"]}
        assert {d["id"] for d in await dossier.box("purchase")} == made
        counters = {
            c["box"]: c["documents"] for c in (await dossier.call("GET", "/mailboxes")).json()
        }
        assert (counters["purchase"], counters["archive"]) == (5, 5)
        # an archived source is not sent, merged again or deleted
        for method, path, kwargs in (
            ("POST", f"/documents/{a['id']}/submit", {}),
            ("POST", f"/documents/{a['id']}/split", {"json": {"mode": "individual", "pages": [1]}}),
            ("DELETE", f"/documents/{a['id']}", {}),
        ):
            refused = await dossier.call(method, path, **kwargs)
            assert refused.status_code == 409, (path, refused.text)
        # the archived source's file is still there, unchanged
        assert await dossier.pages(a["id"]) == ["MERGE-A1", "MERGE-A2"]

        # each result is announced as received and recognised again
        received = await document_events(bootstrap_of(stack), "document.received.v1", made)
        assert set(received) == made
        for document_id, envelope in received.items():
            assert envelope["data"]["content_type"] == "application/pdf"
            assert envelope["data"]["content_url"].endswith(f"/documents/{document_id}/content")
        assert set(await recognised(stack, made)) == made

        # each source is announced as archived, naming what was made of it
        sources = {a["id"], b["id"], scan["id"], three["id"], four["id"]}
        archived = await document_events(bootstrap_of(stack), "document.archived.v1", sources)
        assert {
            document_id: (
                e["data"]["operation"],
                e["data"]["replaced_by"],
                e["data"]["archived_by"],
            )
            for document_id, e in archived.items()
        } == {
            a["id"]: ("merge", [merged["id"]], CLIENT),
            b["id"]: ("merge", [merged["id"]], CLIENT),
            scan["id"]: ("merge", [merged["id"]], CLIENT),
            three["id"]: ("split", [chosen["id"], rest["id"]], CLIENT),
            four["id"]: ("split", [d["id"] for d in bulk], CLIENT),
        }


async def test_a_merged_or_split_invoice_no_longer_waits_for_its_approvers(stack: Stack) -> None:
    """With the invoice approval process on, PDFs in the purchase mailbox wait for approval; once
    merged or split, approvals withdraws the sources' approvals (document.archived.v1): they
    leave the approver's list, their audit trail says so, and the results wait instead."""
    approver = "approver@pdfops-test.example"
    async with httpx.AsyncClient(timeout=60) as http:
        dossier = await new_dossier(stack, http)
        approvals = f"{stack.url('approvals')}/dossiers/{dossier.id}"
        admin = bearer(
            stack,
            subject=CLIENT,
            role=Role.CLIENT_ADMINISTRATOR,
            office_id=dossier.office,
            dossiers=[dossier.id],
        )
        await add_dossier_users(stack, dossier.id, approver, office=dossier.office)
        rule = {"name": "Every invoice", "is_fallback": True, "approvers": [approver]}
        created = await http.post(f"{approvals}/invoice-approval-rules", json=rule, headers=admin)
        assert created.status_code == 201, created.text
        switched = await http.put(
            f"{approvals}/invoice-approval-process", json={"enabled": True}, headers=admin
        )
        assert switched.status_code == 200, switched.text

        a, b, two = await dossier.upload(
            ("a.pdf", pdf("APPROVE-A")), ("b.pdf", pdf("APPROVE-B")), ("two.pdf", pdf("P1", "P2"))
        )
        sources = {a["id"], b["id"], two["id"]}

        async def approval(document_id: str) -> int:
            answer = await http.get(f"{approvals}/invoices/{document_id}/approval", headers=admin)
            return answer.status_code

        async def all_wait() -> bool | None:
            return True if [await approval(d) for d in sources] == [200] * 3 else None

        await eventually(all_wait, 120, "the three invoices waiting for approval")

        merged = await dossier.call(
            "POST", "/documents/merge", json={"document_ids": [a["id"], b["id"]]}
        )
        assert merged.status_code == 201, merged.text
        parts = await dossier.call(
            "POST", f"/documents/{two['id']}/split", json={"mode": "individual", "pages": [2]}
        )
        assert parts.status_code == 201, parts.text
        results = {merged.json()["id"], *(part["id"] for part in parts.json())}

        async def withdrawn() -> bool | None:
            return True if [await approval(d) for d in sources] == [404] * 3 else None

        await eventually(withdrawn, 60, "the sources' approvals withdrawn")
        trail = await http.get(f"{approvals}/invoices/{a['id']}/audit-trail", headers=admin)
        assert trail.status_code == 200, trail.text
        [entry] = [e for e in trail.json() if e["action"].startswith("approval withdrawn")]
        assert entry["action"] == "approval withdrawn: document merged"
        assert entry["reason"] == f"replaced by {merged.json()['id']}"

        # the approver's list holds the results, not the sources
        async def waiting_for_approver() -> set[str] | None:
            answer = await http.get(
                f"{dossier.base}/mailboxes/purchase/documents",
                params={"approval": "to_approve_by_me"},
                headers=bearer(
                    stack,
                    subject=approver,
                    role=Role.CLIENT_FULL_ACCESS,
                    office_id=dossier.office,
                    dossiers=[dossier.id],
                ),
            )
            found = {d["id"] for d in answer.json()["items"]}
            return found if found == results else None

        await eventually(waiting_for_approver, 120, "the results waiting for the approver")
        for source in sources:
            kept = await dossier.document(source)
            assert (kept["status"], kept["approval_status"]) == ("archived", None)


async def test_the_office_merges_proposals_into_one_document_through_ingest(
    stack: Stack,
) -> None:
    """Two scans sent to the office, each with its proposal, merged from the worklist: ingest
    merges the documents (document.merge-requested.v1), the merged document is recognised and
    gets its own proposal, the two proposals are gone and their documents archived."""
    async with httpx.AsyncClient(timeout=60) as http:
        dossier = await new_dossier(stack, http)
        office = bearer(stack, office_id=dossier.office, subject="eva@pdfops-office.example")
        first, second = await dossier.upload(
            ("first.pdf", pdf("OFFICE-1A", "OFFICE-1B")), ("second.pdf", pdf("OFFICE-2"))
        )
        for document in (first, second):
            sent = await dossier.call("POST", f"/documents/{document['id']}/submit")
            assert sent.status_code == 200, sent.text
        worklist = f"{stack.url('worklist')}/dossiers/{dossier.id}/proposals"

        async def proposals() -> dict[str, dict[str, Any]]:
            answer = await http.get(worklist, headers=office)
            assert answer.status_code == 200, answer.text
            return {p["document_id"]: p for p in answer.json()}

        async def both() -> dict[str, dict[str, Any]] | None:
            found = await proposals()
            return found if {first["id"], second["id"]} <= set(found) else None

        made = await eventually(both, 120, "the two proposals")
        one = await http.post(
            f"{worklist}/merge",
            json={"proposal_ids": [made[second["id"]]["id"]]},
            headers=office,
        )
        assert one.status_code == 422, one.text
        answer = await http.post(
            f"{worklist}/merge",
            json={"proposal_ids": [made[second["id"]]["id"], made[first["id"]]["id"]]},
            headers=office,
        )
        assert answer.status_code == 202, answer.text
        assert answer.json()["document_ids"] == [second["id"], first["id"]]
        assert not {first["id"], second["id"]} & set(await proposals())

        async def merged_proposal() -> dict[str, Any] | None:
            found = [p for p in (await proposals()).values()]
            return found[0] if found else None

        proposal = await eventually(merged_proposal, 120, "the merged document's proposal")
        merged = await dossier.document(proposal["document_id"])
        assert merged["derived_from"] == [second["id"], first["id"]]
        assert (merged["status"], merged["filename"]) == ("in_processing", "second (merged).pdf")
        assert await dossier.pages(merged["id"]) == ["OFFICE-2", "OFFICE-1A", "OFFICE-1B"]
        for source in (first, second):
            kept = await dossier.document(source["id"])
            assert (kept["status"], kept["replaced_by"]) == ("archived", [merged["id"]])
        assert list(await proposals()) == [merged["id"]]


async def test_merge_and_split_refuse_bad_input_and_write_nothing(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        dossier = await new_dossier(stack, http)
        a, b, xml, sent = await dossier.upload(
            ("a.pdf", pdf("A1", "A2", "A3")),
            ("b.pdf", pdf("B1")),
            ("invoice.xml", invoice("PDFOPS-XML", "Meelhandel Janssens NV", "10.00")),
            ("sent.pdf", pdf("S1")),
        )
        assert (await dossier.call("POST", f"/documents/{sent['id']}/submit")).status_code == 200
        # a document of another dossier (the demo dossier, another office)
        foreign = await http.post(
            f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents",
            content=pdf("FOREIGN"),
            headers={**bearer(stack), "Content-Type": "application/pdf"},
        )
        assert foreign.status_code == 201, foreign.text
        before = await dossier.stored()

        unknown = str(uuid.uuid4())
        cases: list[tuple[str, str, dict[str, Any], int, str]] = [
            ("merge", "/documents/merge", {"document_ids": [a["id"], unknown]}, 404,
             f"document {unknown} not found"),
            ("foreign", "/documents/merge", {"document_ids": [a["id"], foreign.json()["id"]]},
             404, f"document {foreign.json()['id']} not found"),
            ("submitted", "/documents/merge", {"document_ids": [a["id"], sent["id"]]}, 409,
             f"document {sent['id']} is in_processing; only documents in a mailbox can be "
             "merged or split"),
            ("one", "/documents/merge", {"document_ids": [a["id"]]}, 422, "body.document_ids"),
            ("twice", "/documents/merge", {"document_ids": [a["id"], a["id"]]}, 422,
             "a document is chosen more than once"),
            ("xml", "/documents/merge", {"document_ids": [a["id"], xml["id"]]}, 422,
             "invoice.xml is not a PDF or an image (application/xml); only PDFs and images "
             "(PNG, JPEG, TIFF) can be merged or split"),
            ("range", f"/documents/{a['id']}/split", {"mode": "individual", "pages": [2, 4]},
             422, "page 4 does not exist: the PDF has 3 pages (1 to 3)"),
            ("empty", f"/documents/{a['id']}/split", {"mode": "individual", "pages": []}, 422,
             "choose at least one page (pages is empty)"),
            ("no cut", f"/documents/{a['id']}/split", {"mode": "bulk", "starts": [1]}, 422,
             "the split gives a single document with every page: choose a page other than the "
             "first to start a new document"),
            ("split xml", f"/documents/{xml['id']}/split", {"mode": "individual", "pages": [1]},
             422, "invoice.xml is not a PDF (application/xml); only a PDF can be split"),
            ("split unknown", f"/documents/{unknown}/split",
             {"mode": "individual", "pages": [1]}, 404, f"document {unknown} not found"),
            ("split sent", f"/documents/{sent['id']}/split",
             {"mode": "individual", "pages": [1]}, 409,
             f"document {sent['id']} is in_processing; only documents in a mailbox can be "
             "merged or split"),
        ]  # fmt: skip
        for name, path, body, code, detail in cases:
            answer = await dossier.call("POST", path, json=body)
            assert answer.status_code == code, (name, answer.text)
            assert detail in answer.json()["detail"], (name, answer.text)

        # a PDF stored damaged (before intake refused such files) is refused, not half-split
        connection = await asyncpg.connect(stack.database_urls["ingest"])
        try:
            await connection.execute(
                "UPDATE document_blobs SET content = $2 WHERE sha256 = $1", b["sha256"], CORRUPT_PDF
            )
        finally:
            await connection.close()
        answer = await dossier.call(
            "POST", f"/documents/{b['id']}/split", json={"mode": "individual", "pages": [1]}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"] == "b.pdf is a damaged PDF and cannot be read"
        answer = await dossier.call(
            "POST", "/documents/merge", json={"document_ids": [a["id"], b["id"]]}
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"] == "b.pdf is a damaged PDF and cannot be read"

        # nothing was written: no new document, every source where it was
        assert await dossier.stored() == before
        # the document delivery profile may not merge
        delivery = bearer(
            stack,
            subject="post@pdfops-test.example",
            role=Role.CLIENT_DOCUMENT_DELIVERY,
            office_id=dossier.office,
            dossiers=[dossier.id],
        )
        answer = await http.post(
            f"{dossier.base}/documents/merge",
            json={"document_ids": [a["id"], b["id"]]},
            headers=delivery,
        )
        assert answer.status_code == 403, answer.text


# --- corrupt PDFs at intake ---------------------------------------------------------------


async def test_a_corrupt_pdf_is_refused_at_every_intake_channel_and_nothing_is_stored(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        dossier = await new_dossier(stack, http)
        # raw upload
        answer = await http.post(
            f"{dossier.base}/documents",
            content=CORRUPT_PDF,
            headers={**dossier.headers, "Content-Type": "application/pdf"},
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"].startswith("the PDF is damaged and cannot be read (")
        assert answer.json()["detail"].endswith("); send an intact copy")
        # a multipart upload of a good and a damaged file: neither is stored
        answer = await dossier.call(
            "POST",
            "/documents/batch",
            files=[
                ("file", ("good.pdf", pdf("GOOD"), "application/pdf")),
                ("file", ("broken.pdf", CORRUPT_PDF, "application/pdf")),
            ],
        )
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"].startswith("broken.pdf: the PDF is damaged")
        assert await dossier.stored() == []

        # e-mail: the mail is refused with a text, nothing of it is stored
        connection = await asyncpg.connect(stack.database_urls["ingest"])
        try:
            row = await connection.fetchrow(
                "SELECT dossier_code, email_domain FROM dossiers WHERE id = $1", dossier.id
            )
        finally:
            await connection.close()
        to = f"aankoop-{row['dossier_code']}@{row['email_domain']}"
        message = EmailMessage()
        message["From"] = "facturen@supplier.example"
        message["To"] = to
        message["Subject"] = "Factuur"
        message.set_content("In bijlage.")
        message.add_attachment(pdf("GOOD"), maintype="application", subtype="pdf", filename="a.pdf")
        message.add_attachment(CORRUPT_PDF, maintype="application", subtype="pdf", filename="b.pdf")

        def send() -> None:
            with smtplib.SMTP("127.0.0.1", stack.ingest_smtp_port, timeout=20) as smtp:
                smtp.send_message(message, from_addr="facturen@supplier.example", to_addrs=[to])

        with pytest.raises(smtplib.SMTPDataError) as refused:
            await asyncio.to_thread(send)
        assert refused.value.smtp_code == 554
        text = refused.value.smtp_error.decode()
        assert "attachment b.pdf is refused: the PDF is damaged and cannot be read" in text
        assert text.endswith("nothing of this message was stored")
        assert await dossier.stored() == []


# --- mailbox filters: counterparty, amount, payment ----------------------------------------


def invoice(number: str, supplier: str, net: str) -> bytes:
    return generated_invoice(
        number,
        [Line("Flour", Decimal(net))],
        supplier=Party(supplier, "BE0403019261", "Gent"),
        customer=Party("PDF BV", "BE0477472701", "Leuven"),
    ).xml


async def test_the_mailbox_filters_on_counterparty_amount_and_payment(stack: Stack) -> None:
    async with httpx.AsyncClient(timeout=30) as http:
        dossier = await new_dossier(stack, http)
        flour, oven, _blank = await dossier.upload(
            ("flour.xml", invoice("F-1", "Meelhandel Janssens NV", "100.00")),  # 121.00
            ("oven.xml", invoice("O-1", "Ovenbouw Peeters BV", "1000.00")),  # 1210.00
            ("blank.pdf", pdf("no invoice")),
        )

        async def read() -> bool | None:
            by_id = {d["id"]: d for d in await dossier.box("purchase")}
            done = all(by_id[d["id"]]["total_incl_vat"] is not None for d in (flour, oven))
            return True if done else None

        await eventually(read, 120, "recognition of the two invoices in the mailbox")

        async def names(**params: Any) -> list[str]:
            return sorted(d["filename"] for d in await dossier.box("purchase", **params))

        assert await names(counterparty="janssens") == ["flour.xml"]
        assert await names(counterparty="PEETERS") == ["oven.xml"]
        assert await names(counterparty="nobody") == []
        # the free text finds the invoice number recognition read
        assert await names(q="o-1") == ["oven.xml"]
        assert [d["invoice_number"] for d in await dossier.box("purchase", q="F-1")] == ["F-1"]
        assert await names(amount_min="121.00") == ["flour.xml", "oven.xml"]
        assert await names(amount_min="121.01") == ["oven.xml"]
        assert await names(amount_max="121.00") == ["flour.xml"]
        assert await names(amount_min="100", amount_max="1000") == ["flour.xml"]
        assert await names(amount_min="1210", sort="total", order="asc") == ["oven.xml"]
        reversed_range = await dossier.call(
            "GET", "/mailboxes/purchase/documents", params={"amount_min": "10", "amount_max": "5"}
        )
        assert reversed_range.status_code == 422
        assert reversed_range.json()["detail"] == "amount_min (10) is above amount_max (5)"
        bad = await dossier.call(
            "GET", "/mailboxes/purchase/documents", params={"payment": "overdue"}
        )
        assert bad.status_code == 422

        # payments tells: flour's payment is in a SEPA file, oven is paid
        await publish(
            stack,
            PaymentQueued(
                payment_id=uuid.uuid4(),
                document_id=uuid.UUID(flour["id"]),
                amount=Decimal("121.00"),
                status="in_processing",
                message="payment in processing",
            ),
            PaymentSettled(
                payment_id=uuid.uuid4(),
                document_id=uuid.UUID(oven["id"]),
                amount=Decimal("1210.00"),
                settled_on=date(2026, 12, 1),
            ),
            dossier=dossier.id,
            office=dossier.office,
        )

        async def paid() -> bool | None:
            return True if await names(payment="paid") == ["oven.xml"] else None

        await eventually(paid, 30, "the payment of oven.xml in the mailbox")
        assert await names(payment="in_processing") == ["flour.xml"]
        assert await names(payment="none") == ["blank.pdf"]
        assert await names(payment="in_basket") == []
        assert await names(payment="paid", counterparty="janssens") == []
