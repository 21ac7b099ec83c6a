"""A small file travels in its document.received.v1 (`content_base64`), so recognition reads it
without fetching it from ingest; a file above `event_content_max_bytes` does not (its reader
fetches `content_url`), and 0 turns it off."""

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from ledgerline.auth import Role

pytestmark = [pytest.mark.integration]

SAMPLE = Path(__file__).resolve().parents[4] / "docs/samples/invoice.xml"


async def received_events(ingest: Any) -> list[dict[str, Any]]:
    rows = await ingest.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'document.received.v1' ORDER BY id"
    )
    return [json.loads(row["payload"])["data"] for row in rows]


async def upload(ingest: Any, content: bytes) -> str:
    response = await ingest.http.post(
        f"/dossiers/{ingest.dossier}/documents",
        content=content,
        headers={"Content-Type": "application/xml"}
        | ingest.headers(Role.CLIENT_DOCUMENT_PROCESSING),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_small_file_travels_in_its_event(ingest_app: Any) -> None:
    xml = SAMPLE.read_bytes()
    async with ingest_app() as ingest:
        document = await upload(ingest, xml)
        [event] = await received_events(ingest)
        assert event["document_id"] == document
        assert base64.b64decode(event["content_base64"]) == xml
        assert event["content_url"].endswith(f"/documents/{document}/content")


async def test_a_file_above_the_limit_is_fetched_not_carried(ingest_app: Any) -> None:
    xml = SAMPLE.read_bytes()
    async with ingest_app(event_content_max_bytes=len(xml) - 1) as ingest:
        await upload(ingest, xml)
        [event] = await received_events(ingest)
        assert event.get("content_base64") is None
    async with ingest_app(event_content_max_bytes=0) as ingest:
        await upload(ingest, xml)
        [event] = await received_events(ingest)
        assert event.get("content_base64") is None
