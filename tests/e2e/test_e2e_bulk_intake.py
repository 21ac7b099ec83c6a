"""Bulk intake end to end: many documents in one request (connectors, Peppol access points),
idempotent per item key, all or nothing; and consumers as processes of their own.

The bulk tests run on the session's stack, each in a dossier of its own. The scale-out test
starts a stack of its own whose services consume in two `<service> consume` processes each.
"""

import asyncio
import base64
import os
import signal
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import Line, Party, generated_invoice

from tests.e2e.helpers import activate_dossier, bearer, bootstrap_of, document_events, eventually

pytestmark = [pytest.mark.e2e]


def invoice_xml(number: str, net: Decimal = Decimal("100.00")) -> str:
    return generated_invoice(
        number,
        [Line(f"Flour, invoice {number}", net)],
        supplier=Party("Bulk Supplies BV", "BE0403019261", "Gent", street="Kerkstraat 1"),
        customer=Party("Bulk Client BV", "BE0123456749", "Leuven"),
    ).xml.decode()


def item(key: str, xml: str) -> dict[str, str]:
    return {"key": key, "filename": f"{key}.xml", "xml": xml}


async def documents_with_keys(stack: Stack, keys: list[str]) -> int:
    connection = await asyncpg.connect(stack.database_urls["ingest"])
    try:
        count: int = await connection.fetchval(
            "SELECT count(*) FROM documents WHERE idempotency_key = ANY($1::text[])", keys
        )
        return count
    finally:
        await connection.close()


async def proposals_for(stack: Stack, document_ids: list[str]) -> dict[str, int]:
    connection = await asyncpg.connect(stack.database_urls["worklist"])
    try:
        rows = await connection.fetch(
            "SELECT document_id, count(*) AS n FROM proposals WHERE document_id = ANY($1::uuid[])"
            " GROUP BY document_id",
            [uuid.UUID(d) for d in document_ids],
        )
        return {str(row["document_id"]): row["n"] for row in rows}
    finally:
        await connection.close()


async def test_a_bulk_delivery_is_stored_at_once_submitted_and_proposed(stack: Stack) -> None:
    dossier = await activate_dossier(stack, "Bulk BV", "BULK")
    prefix = uuid.uuid4().hex[:8]
    keys = [f"ap-{prefix}-{n}" for n in range(3)]
    xmls = [invoice_xml(f"BULK-{prefix}-{n}", Decimal("100.00") + n) for n in range(3)]
    body: dict[str, Any] = {
        "channel": "peppol",
        "submit": True,
        "labels": ["Project 2"],
        "documents": [item(key, xml) for key, xml in zip(keys, xmls, strict=True)],
    }
    url = f"{stack.url('ingest')}/dossiers/{dossier}/documents/bulk"
    async with httpx.AsyncClient(timeout=30, headers=bearer(stack)) as http:
        response = await http.post(url, json=body)
        assert response.status_code == 201, response.text
        results = response.json()["documents"]
        assert [r["key"] for r in results] == keys
        assert all(r["created"] for r in results)
        documents = [r["document"] for r in results]
        ids = [d["id"] for d in documents]
        assert {d["status"] for d in documents} == {"in_processing"}
        assert {d["channel"] for d in documents} == {"peppol"}
        assert all(d["labels"] == ["Project 2"] for d in documents)
        assert [d["filename"] for d in documents] == [f"{key}.xml" for key in keys]

        # Each is a document of its own, announced and sent to the office by its own events.
        submitted = await document_events(bootstrap_of(stack), "document.submitted.v1", set(ids))
        assert submitted.keys() == set(ids)
        received = await document_events(bootstrap_of(stack), "document.received.v1", set(ids))
        assert {e["data"]["channel"] for e in received.values()} == {"peppol"}

        # The retry of the whole request stores nothing again: the same documents, 200.
        again = await http.post(url, json=body)
        assert again.status_code == 200, again.text
        assert [r["document"]["id"] for r in again.json()["documents"]] == ids
        assert not any(r["created"] for r in again.json()["documents"])
        assert await documents_with_keys(stack, keys) == 3

        # A retry with one new document stores only that one.
        extra_key = f"ap-{prefix}-new"
        mixed = body | {"documents": [*body["documents"], item(extra_key, invoice_xml("X-1"))]}
        partly = await http.post(url, json=mixed)
        assert partly.status_code == 201, partly.text
        assert [r["created"] for r in partly.json()["documents"]] == [False, False, False, True]
        assert [r["document"]["id"] for r in partly.json()["documents"]][:3] == ids

        found = await eventually(
            lambda: _all_proposed(stack, ids), 60, "a proposal for every bulk document"
        )
        assert found == {document_id: 1 for document_id in ids}


async def _all_proposed(stack: Stack, ids: list[str]) -> dict[str, int] | None:
    found = await proposals_for(stack, ids)
    return found if len(found) == len(ids) else None


async def test_a_bulk_delivery_with_one_bad_document_stores_nothing(stack: Stack) -> None:
    dossier = await activate_dossier(stack, "Bulk Refused BV", "BULKNO")
    prefix = uuid.uuid4().hex[:8]
    good = item(f"ok-{prefix}", invoice_xml(f"OK-{prefix}"))
    url = f"{stack.url('ingest')}/dossiers/{dossier}/documents/bulk"
    async with httpx.AsyncClient(timeout=30, headers=bearer(stack)) as http:
        not_xml = {"key": f"bad-{prefix}", "content": base64.b64encode(b"hello").decode()}
        refused = await http.post(url, json={"documents": [good, not_xml]})
        assert refused.status_code == 422, refused.text
        assert f"key bad-{prefix}" in refused.json()["detail"]

        twice = await http.post(url, json={"documents": [good, good]})
        assert twice.status_code == 422
        assert "keys given twice" in twice.json()["detail"]

        both = await http.post(
            url, json={"documents": [{"key": "k", "xml": "<a/>", "content": ""}]}
        )
        assert both.status_code == 422
        assert "either `xml` or `content`" in both.json()["detail"]

        malformed = await http.post(
            url, content=b"{not json", headers={"Content-Type": "application/json"}
        )
        assert malformed.status_code == 422
        assert await documents_with_keys(stack, [good["key"], f"bad-{prefix}"]) == 0

        # A key stored before for other bytes: 409 naming it, and nothing of the request stored.
        stored = await http.post(url, json={"documents": [good]})
        assert stored.status_code == 201, stored.text
        other = item(f"other-{prefix}", invoice_xml(f"OTHER-{prefix}"))
        conflict = await http.post(
            url, json={"documents": [other, good | {"xml": invoice_xml(f"CHANGED-{prefix}")}]}
        )
        assert conflict.status_code == 409, conflict.text
        assert f"key {good['key']}" in conflict.json()["detail"]
        assert await documents_with_keys(stack, [other["key"]]) == 0


async def test_the_same_bytes_twice_in_a_bulk_delivery_are_flagged(stack: Stack) -> None:
    dossier = await activate_dossier(stack, "Bulk Twice BV", "BULK2")
    prefix = uuid.uuid4().hex[:8]
    xml = invoice_xml(f"SAME-{prefix}")
    url = f"{stack.url('ingest')}/dossiers/{dossier}/documents/bulk"
    async with httpx.AsyncClient(timeout=30, headers=bearer(stack)) as http:
        response = await http.post(
            url, json={"documents": [item(f"a-{prefix}", xml), item(f"b-{prefix}", xml)]}
        )
    assert response.status_code == 201, response.text
    first, second = (r["document"] for r in response.json()["documents"])
    assert first["duplicate_of"] is None
    assert second["duplicate_of"] == first["id"]
    assert first["status"] == second["status"] == "in_mailbox"  # no `submit`


@pytest.mark.timeout(600)
async def test_two_consumer_processes_per_service_share_the_work_and_survive_a_kill(
    tmp_path: Path,
) -> None:
    """A stack whose services consume in two `consume` processes each (the API processes do
    not): 60 invoices in bulk, one consumer of recognition and of worklist SIGKILLed on the
    way; every invoice gets exactly one proposal."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("needs a local broker of its own")
    stack = Stack(tmp_path / "scaled", consumer_processes=2)
    try:
        await stack.start()
        await stack.seed_demo()
        assert sorted(stack.consumers) == sorted(
            f"{service}-consumer-{n}" for service in stack.services for n in (1, 2)
        )
        dossier = await activate_dossier(stack, "Scaled BV", "SCALE")
        url = f"{stack.url('ingest')}/dossiers/{dossier}/documents/bulk"
        ids: list[str] = []
        async with httpx.AsyncClient(timeout=60, headers=bearer(stack)) as http:
            for batch in range(3):
                documents = [
                    item(f"s-{batch}-{n}", invoice_xml(f"SCALE-{batch}-{n}", Decimal(10 + n)))
                    for n in range(20)
                ]
                response = await http.post(url, json={"submit": True, "documents": documents})
                assert response.status_code == 201, response.text
                ids += [r["document"]["id"] for r in response.json()["documents"]]
                if batch == 0:
                    await asyncio.sleep(0.5)
                    for name in ("recognition-consumer-1", "worklist-consumer-2"):
                        process = stack.consumers[name].process
                        assert process is not None
                        os.killpg(process.pid, signal.SIGKILL)
        found = await eventually(lambda: _all_proposed(stack, ids), 240, "every proposal")
        assert found == {document_id: 1 for document_id in ids}

        # Down to one consumer process per service (as the benchmark does between its runs):
        # the groups settle with one member each, and it takes every partition's work.
        await stack.run_consumer_processes(1)
        running = [
            name
            for name, consumer in stack.consumers.items()
            if consumer.process is not None and consumer.process.poll() is None
        ]
        assert running == [f"{service}-consumer-1" for service in stack.services]
        documents = [item(f"one-{n}", invoice_xml(f"ONE-{n}", Decimal(50 + n))) for n in range(20)]
        async with httpx.AsyncClient(timeout=60, headers=bearer(stack)) as http:
            response = await http.post(url, json={"submit": True, "documents": documents})
        assert response.status_code == 201, response.text
        alone = [r["document"]["id"] for r in response.json()["documents"]]
        found = await eventually(lambda: _all_proposed(stack, alone), 120, "every proposal")
        assert found == {document_id: 1 for document_id in alone}
    finally:
        await asyncio.to_thread(stack.stop)
