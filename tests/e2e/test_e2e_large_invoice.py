"""A 10,000-line UBL invoice and ordinary invoices delivered together all become proposals.

The large invoice's `document.recognized.v1` (its data > 1.6 MB) would be refused by the broker:
recognition keeps the data and the event carries a `dataref` (claim check), which the worklist
resolves with a scoped service token. Before the fix, the refused event blocked recognition's
outbox and no proposal at all appeared.
"""

import asyncio
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import GeneratedInvoice, Line, Party, generated_invoice

from tests.e2e.helpers import (
    Message,
    bearer,
    bootstrap_of,
    eventually,
    read_topics,
    upload_and_submit,
)

pytestmark = [pytest.mark.e2e]


def ubl_invoice(number: str, lines: int) -> GeneratedInvoice:
    """A valid Peppol BIS 3 UBL invoice with `lines` lines at 21 % VAT, totals that add up."""
    amounts = [Decimal(1 + index % 97) + Decimal(index % 100) / 100 for index in range(lines)]
    return generated_invoice(
        number,
        [Line(f"Article {index}", amount) for index, amount in enumerate(amounts, start=1)],
        supplier=Party(
            "Groothandel Veldeman NV",
            "BE0477472701",
            "Gent",
            street="Kerkstraat 1",
            postal_zone="9000",
            endpoint="0477472701",
        ),
        customer=Party(
            "Bakkerij Peeters",
            "BE0403170701",
            "Brugge",
            street="Markt 2",
            postal_zone="8000",
            endpoint="0403170701",
        ),
        issue_date=date(2026, 10, 15),
        due_date=date(2026, 11, 14),
        buyer_reference=number,
    )


async def recognized(bootstrap: str, document_id: str) -> Message:
    """The document's message on document.recognized.v1, exactly as it went on the wire."""
    found = await read_topics(
        bootstrap,
        "document.recognized.v1",
        keep=lambda message: message.envelope.get("subject") == f"documents/{document_id}",
        enough=bool,
        max_partition_fetch_bytes=2 * 1024 * 1024,
    )
    assert found, f"no document.recognized.v1 about {document_id}"
    return found[0]


async def test_a_10000_line_invoice_and_ordinary_invoices_all_become_proposals(
    stack: Stack,
) -> None:
    dossier = DEMO_DOSSIER_ID
    run = uuid.uuid4().hex[:8].upper()
    large = ubl_invoice(f"BIG-{run}", 10_000)
    ordinary = [ubl_invoice(f"SMALL-{run}-{n}", 3 + n) for n in range(4)]
    invoices = [ordinary[0], ordinary[1], large, ordinary[2], ordinary[3]]
    client_user = bearer(stack, subject="ben@bakkerij.example", role=Role.CLIENT_ADMINISTRATOR)
    office_user = bearer(stack, subject="eva@office.example", role=Role.EMPLOYEE)

    async with httpx.AsyncClient(timeout=60) as http:

        async def deliver(invoice: GeneratedInvoice) -> str:
            return await upload_and_submit(
                http,
                stack,
                dossier,
                invoice.xml,
                client_user,
                mailbox="purchase",
                filename=f"{invoice.number}.xml",
            )

        document_ids = await asyncio.gather(*(deliver(invoice) for invoice in invoices))
        by_document = dict(zip(document_ids, invoices, strict=True))

        async def every_proposal() -> dict[str, dict[str, Any]] | None:
            response = await http.get(
                f"{stack.url('worklist')}/dossiers/{dossier}/proposals", headers=office_user
            )
            assert response.status_code == 200, response.text
            proposals = {
                item["document_id"]: item
                for item in response.json()
                if item["document_id"] in by_document
            }
            return proposals if len(proposals) == len(by_document) else None

        proposals = await eventually(
            every_proposal, 180, "a proposal for every invoice", interval=1
        )

        for document_id, invoice in by_document.items():
            proposal = proposals[document_id]
            assert proposal["source"] == "ubl"
            assert proposal["invoice_number"] == invoice.number
            assert proposal["counterparty_name"] == "Groothandel Veldeman NV"
            assert Decimal(proposal["total_excl_vat"]) == invoice.net
            assert Decimal(proposal["total_vat"]) == invoice.vat
            assert Decimal(proposal["total_incl_vat"]) == invoice.gross
            assert len(proposal["lines"]) == invoice.lines

        large_id = next(key for key, value in by_document.items() if value is large)
        big = proposals[large_id]
        assert Decimal(big["lines"][-1]["net_amount"]) == Decimal("9.99")  # 1 + 9999 % 97 + .99

        # On the wire the large event carried a dataref to recognition's API, not its data.
        message = await recognized(bootstrap_of(stack), large_id)
        envelope = message.envelope
        assert "data" not in envelope
        assert envelope["dataref"].startswith(stack.url("recognition") + "/platform/events/")
        assert message.size < 4096
        small = (await recognized(bootstrap_of(stack), document_ids[0])).envelope
        assert "dataref" not in small and small["data"]["invoice"]

        # The dataref answers a service token of the event's dossier, and nobody else.
        service = bearer(stack, subject="service:connector", role=Role.SERVICE)
        fetched = await http.get(envelope["dataref"], headers=service)
        assert fetched.status_code == 200, fetched.text
        assert len(fetched.json()["invoice"]["lines"]) == 10_000
        other_dossier = bearer(stack, role=Role.SERVICE, dossiers=[uuid.uuid4()])
        assert (await http.get(envelope["dataref"], headers=other_dossier)).status_code == 404
        other_office = bearer(stack, role=Role.SERVICE, office_id=uuid.uuid4())
        assert (await http.get(envelope["dataref"], headers=other_office)).status_code == 404
        office_admin = bearer(stack, role=Role.ADMIN)
        assert (await http.get(envelope["dataref"], headers=office_admin)).status_code == 403


@pytest.mark.parametrize(
    "service", ["ingest", "recognition", "worklist", "approvals", "payments", "sync"]
)
async def test_every_service_reports_and_lists_its_parked_outbox_rows(
    stack: Stack, service: str
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        metrics = (await http.get(stack.url(service) + "/metrics")).text
        assert f'ledgerline_outbox_parked_rows{{service="{service}"}} 0.0' in metrics
        parked = f"{stack.url(service)}/platform/outbox/parked"
        listed = await http.get(parked, headers=bearer(stack, role=Role.OPERATOR))
        assert listed.status_code == 200 and listed.json() == []
        office_admin = await http.get(parked, headers=bearer(stack, role=Role.ADMIN))
        assert office_admin.status_code == 403
        unknown = await http.post(parked + "/1/requeue", headers=bearer(stack, role=Role.OPERATOR))
        assert unknown.status_code == 404
