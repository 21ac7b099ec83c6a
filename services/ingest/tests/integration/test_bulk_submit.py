"""Sending several mailbox documents to the office in one request (seed 003, "Verzenden naar
accountant", in bulk), on the real PostgreSQL: each goes to 'in processing' with its
`document.submitted.v1` in the outbox; one that cannot be sent refuses the whole request with
its reason, and nothing is sent."""

import io
import json
import uuid
from typing import Any

import pytest
from ledgerline.auth import Role
from pypdf import PdfWriter

pytestmark = [pytest.mark.integration]


def pdf(title: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def submitted_events(ingest: Any) -> list[str]:
    rows = await ingest.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'document.submitted.v1' ORDER BY id"
    )
    return [json.loads(row["payload"])["data"]["document_id"] for row in rows]


async def statuses(ingest: Any, *documents: str) -> list[str]:
    rows = await ingest.pool.fetch(
        "SELECT id::text, status FROM documents WHERE id = ANY($1::uuid[])",
        [uuid.UUID(document) for document in documents],
    )
    found = {row["id"]: row["status"] for row in rows}
    return [found[document] for document in documents]


async def test_several_documents_are_sent_at_once_or_none_is(ingest_app: Any) -> None:
    async with ingest_app() as ingest:
        base = f"/dossiers/{ingest.dossier}/documents"
        client = ingest.headers(Role.CLIENT_DOCUMENT_PROCESSING, subject="ben@bakkerij.example")
        uploaded = await ingest.http.post(
            f"{base}/batch",
            files=[("file", (f"{n}.pdf", pdf(n), "application/pdf")) for n in "abcd"],
            headers=client,
        )
        assert uploaded.status_code == 201, uploaded.text
        a, b, c, d = (document["id"] for document in uploaded.json())

        sent = await ingest.http.post(
            f"{base}/submit", json={"document_ids": [b, a]}, headers=client
        )
        assert sent.status_code == 200, sent.text
        assert [(x["id"], x["status"]) for x in sent.json()] == [
            (b, "in_processing"),
            (a, "in_processing"),
        ]
        assert sorted(await submitted_events(ingest)) == sorted([a, b])

        # refused whole, with the reason of the document that cannot be sent; c stays put
        unknown = str(uuid.uuid4())
        for document_ids, code, detail in [
            ([c, a], 409, f"document {a} is in_processing; only mailbox documents can be sent"),
            ([c, unknown], 404, f"document {unknown} not found"),
            ([c, c], 422, "a document is chosen more than once"),
            ([], 422, None),
        ]:
            refused = await ingest.http.post(
                f"{base}/submit", json={"document_ids": document_ids}, headers=client
            )
            assert refused.status_code == code, (document_ids, refused.text)
            if detail is not None:
                assert refused.json()["detail"] == detail
        assert await statuses(ingest, c, d) == ["in_mailbox", "in_mailbox"]
        assert sorted(await submitted_events(ingest)) == sorted([a, b])

        # a waiting invoice is named with who it waits for
        await ingest.pool.execute(
            "UPDATE documents SET approval_status = 'pending', "
            "approval_waiting_for = '{lead@bakkerij.example}' WHERE id = $1",
            uuid.UUID(d),
        )
        held = await ingest.http.post(
            f"{base}/submit", json={"document_ids": [c, d]}, headers=client
        )
        assert held.status_code == 409
        assert held.json()["detail"] == (
            f"document {d} waits for approval by lead@bakkerij.example; only approved invoices "
            "can be sent"
        )
        assert await statuses(ingest, c) == ["in_mailbox"]

        # the document delivery profile may upload, not send
        delivery = await ingest.http.post(
            f"{base}/submit",
            json={"document_ids": [c]},
            headers=ingest.headers(Role.CLIENT_DOCUMENT_DELIVERY),
        )
        assert delivery.status_code == 403
        assert await statuses(ingest, c) == ["in_mailbox"]
