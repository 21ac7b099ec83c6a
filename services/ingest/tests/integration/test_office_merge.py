"""The office's merge (worklist's document.merge-requested.v1) on the real PostgreSQL: documents
sent to the office become one new document, sent to the office at once, the sources archived;
what cannot be merged is answered with document.merge-refused.v1 and nothing changes."""

import json
import uuid
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

import pytest
from ingest.entrypoints.pdfops import merge_requested_handler
from ledgerline.auth import Role
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentMergeRequested, Envelope, spec_for
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

pytestmark = [pytest.mark.integration]


def pdf(*texts: str) -> bytes:
    buffer = BytesIO()
    canvas = Canvas(buffer)
    for text in texts:
        canvas.drawString(72, 720, text)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


async def test_the_office_merges_documents_sent_to_it_or_is_told_why_not(
    ingest_app: Any,
) -> None:
    async with ingest_app() as ingest:
        client = ingest.headers(Role.CLIENT_FULL_ACCESS)
        base = f"/dossiers/{ingest.dossier}/documents"
        uploaded = await ingest.http.post(
            f"{base}/batch",
            files=[
                ("file", (f"{name}.pdf", pdf(*texts), "application/pdf"))
                for name, texts in (("a", ["A1", "A2"]), ("b", ["B1"]), ("c", ["C1"]))
            ],
            headers=client,
        )
        assert uploaded.status_code == 201, uploaded.text
        a, b, c = (uuid.UUID(d["id"]) for d in uploaded.json())
        for document in (a, b):
            sent = await ingest.http.post(f"{base}/{document}/submit", headers=client)
            assert sent.status_code == 200, sent.text
        handler = merge_requested_handler(ingest.settings)

        async def request(*documents: uuid.UUID) -> uuid.UUID:
            merge_id = uuid.uuid4()
            data = DocumentMergeRequested(
                merge_id=merge_id,
                document_ids=documents,
                requested_by="eva@office.example",
                requested_at=datetime.now(UTC),
            )
            event = Envelope[DocumentMergeRequested](
                source="/tests",
                type=spec_for(data).type,
                dossierid=ingest.dossier,
                officeid=ingest.office,
                correlationid="c",
                data=data,
            )
            async with UnitOfWork(ingest.pool, source="ingest") as uow:
                await handler(uow, event)
            return merge_id

        async def statuses() -> dict[uuid.UUID, str]:
            rows = await ingest.pool.fetch(
                "SELECT id, status FROM documents WHERE dossier_id = $1", ingest.dossier
            )
            return {row["id"]: row["status"] for row in rows}

        async def published(topic: str) -> list[dict[str, Any]]:
            rows = await ingest.pool.fetch(
                "SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic
            )
            return [json.loads(row["payload"]) for row in rows]

        before = await statuses()
        assert before == {a: "in_processing", b: "in_processing", c: "in_mailbox"}

        # c is still in its mailbox (the client's to merge, not the office's); x does not exist
        refused_409 = await request(a, c)
        refused_404 = await request(a, x := uuid.uuid4())
        assert await statuses() == before
        refusals = {r["data"]["merge_id"]: r for r in await published("document.merge-refused.v1")}
        assert set(refusals) == {str(refused_409), str(refused_404)}
        assert refusals[str(refused_409)]["data"]["reason"] == (
            f"document {c} is in_mailbox; only documents sent to the office can be merged or split"
        )
        assert refusals[str(refused_404)]["data"]["reason"] == f"document {x} not found"
        assert refusals[str(refused_409)]["data"]["document_ids"] == [str(a), str(c)]
        assert len(await published("document.received.v1")) == 3  # a, b and c, no more

        # b then a: one new document sent to the office, the sources archived
        await request(b, a)
        after = await statuses()
        [merged] = set(after) - set(before)
        assert (after[a], after[b], after[c], after[merged]) == (
            "archived",
            "archived",
            "in_mailbox",
            "in_processing",
        )
        row = await ingest.pool.fetchrow(
            "SELECT derived_from, filename, submitted_at FROM documents WHERE id = $1", merged
        )
        assert row["derived_from"] == [b, a] and row["filename"] == "b (merged).pdf"
        assert row["submitted_at"] is not None
        for source in (a, b):
            replaced = await ingest.pool.fetchval(
                "SELECT replaced_by FROM documents WHERE id = $1", source
            )
            assert replaced == [merged]
        [received] = [
            r
            for r in await published("document.received.v1")
            if r["subject"].endswith(f"/{merged}")
        ]
        [submitted] = [
            s
            for s in await published("document.submitted.v1")
            if s["subject"].endswith(f"/{merged}")
        ]
        assert received["data"]["document_id"] == submitted["data"]["document_id"] == str(merged)
        assert submitted["data"]["submitted_by"] == "eva@office.example"
        content = await ingest.http.get(f"{base}/{merged}/content", headers=client)
        pages = [p.extract_text().strip() for p in PdfReader(BytesIO(content.content)).pages]
        assert pages == ["B1", "A1", "A2"]
