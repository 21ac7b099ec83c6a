"""Recognition in the running stack: a text PDF and a scan delivered to ingest come out of
recognition as document.recognized.v1 with the invoice's fields (UBL is covered by the UBL flow)."""

import random
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack

from tests.e2e.helpers import bearer, recognition, recognition_corpus, upload

pytestmark = [pytest.mark.e2e]


corpus = recognition_corpus()


async def recognised(
    stack: Stack, http: httpx.AsyncClient, content: bytes, media_type: str
) -> dict[str, Any]:
    headers = bearer(stack)
    document = await upload(http, stack, DEMO_DOSSIER_ID, content, headers, content_type=media_type)
    return await recognition(http, stack, DEMO_DOSSIER_ID, document["id"], headers)


async def test_text_pdf_is_read_by_air_in_the_running_stack(stack: Stack) -> None:
    spec = corpus.random_spec(
        random.Random(101), 0, layout="classic", language="nl", credit=False, reference="ogm"
    )
    async with httpx.AsyncClient(timeout=15) as http:
        result = await recognised(stack, http, corpus.render_pdf(spec), "application/pdf")
    assert result["status"] == "ok", result["reason"]
    assert result["source"] == "air"
    assert result["fields"] == spec.truth()
    assert 0 < result["field_confidence"]["invoice_number"] <= 1
    assert 0.7 <= result["confidence"] <= 1


async def test_scan_is_read_by_ocr_in_the_running_stack(stack: Stack) -> None:
    spec = corpus.random_spec(
        random.Random(606), 0, layout="classic", language="nl", credit=False, item_count=2
    )
    scan = corpus.rasterise(corpus.render_pdf(spec), random.Random(6), "png")
    async with httpx.AsyncClient(timeout=15) as http:
        result = await recognised(stack, http, scan, "image/png")
    assert result["source"] == "ocr"
    fields = result["fields"]
    assert fields["invoice_number"] == spec.number
    assert fields["issue_date"] == spec.issue.isoformat()
    assert Decimal(fields["total_incl_vat"]) == spec.total_incl


async def test_corrupt_pdf_is_refused_at_intake_and_never_reaches_recognition(
    stack: Stack,
) -> None:
    # Ingest refuses a PDF it cannot read (422): recognition's own handling of one is unit-tested.
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.post(
            f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents",
            content=b"%PDF-1.7\n" + b"\x00garbage" * 100,
            headers={**bearer(stack), "Content-Type": "application/pdf"},
        )
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("the PDF is damaged and cannot be read")
