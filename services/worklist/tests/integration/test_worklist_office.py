"""The office-wide worklist, moving proposals between dossiers and reading documents again,
through the worklist's HTTP API against a real PostgreSQL (no Kafka: what is published is read
from the outbox).

Two offices: ours has Bakkerij Peeters and Garage Janssens (active, with different books) and
Oud BV (deactivated); the other office has Andere BV."""

import json
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.events import (
    Counterparty,
    DocumentMergeRefused,
    EventData,
    InvoiceApproved,
    Journal,
    PaymentQueued,
)
from ledgerline.subscriptions import TakesMany
from worklist.entrypoints.progress_consumers import on_invoice_approved, on_payment_queued
from worklist.proposal_merging import on_document_merge_refused
from worklist.service_layer import on_documents_recognized, on_ledger_synced

from services.worklist.tests.integration.helpers import (
    bearer,
    books_synced,
    deliver,
    handle,
    recognised,
    worklist_api,
)

pytestmark = [pytest.mark.integration]


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    office: uuid.UUID
    other_office: uuid.UUID
    peeters: uuid.UUID
    janssens: uuid.UUID
    retired: uuid.UUID
    andere: uuid.UUID

    def headers(
        self, role: Role, *, office: uuid.UUID | None = None, dossiers: Sequence[uuid.UUID] = ()
    ) -> dict[str, str]:
        return bearer(office or self.office, role, dossiers)

    @property
    def admin(self) -> dict[str, str]:
        return self.headers(Role.ADMIN)

    async def handle(
        self, handler: Any, data: EventData, dossier: uuid.UUID, office: uuid.UUID | None = None
    ) -> None:
        await handle(self.pool, handler, data, office or self.office, dossier)

    async def deliver(
        self,
        dossier: uuid.UUID,
        number: str,
        net: str = "100.00",
        *,
        office: uuid.UUID | None = None,
        status: str = "ok",
    ) -> uuid.UUID:
        """A purchase invoice of Van Hoorebeke recognised and submitted: its proposal's id."""
        document = await deliver(self.pool, office or self.office, dossier, number, net, status)
        return await self.pool.fetchval("SELECT id FROM proposals WHERE document_id = $1", document)

    async def outbox(self) -> list[tuple[str, dict[str, Any]]]:
        """What the worklist published, but for the status changes (their own tests)."""
        rows = await self.pool.fetch(
            "SELECT topic, payload FROM outbox WHERE topic <> 'proposal.status-changed.v1' "
            "ORDER BY id"
        )
        return [(row["topic"], json.loads(row["payload"])) for row in rows]


async def sync_books(world: World, dossier: uuid.UUID, **changes: Any) -> None:
    await world.handle(on_ledger_synced, books_synced(**changes), dossier)


@pytest.fixture
async def world(database: str, pool: asyncpg.Pool) -> AsyncIterator[World]:
    office, other_office = uuid.uuid4(), uuid.uuid4()
    peeters, janssens, retired, andere = (uuid.uuid4() for _ in range(4))
    await pool.executemany(
        "INSERT INTO dossiers (id, office_id, name, active) VALUES ($1, $2, $3, $4)",
        [
            (peeters, office, "Bakkerij Peeters", True),
            (janssens, office, "Garage Janssens", True),
            (retired, office, "Oud BV", False),
            (andere, other_office, "Andere BV", True),
        ],
    )
    async with worklist_api(database) as http:
        world = World(http, pool, office, other_office, peeters, janssens, retired, andere)
        await sync_books(world, peeters)
        # Janssens knows the same supplier under its own number, GL account and journal.
        await sync_books(
            world,
            janssens,
            counterparty_records=(
                Counterparty(
                    number="F0099",
                    kind="supplier",
                    name="Van Hoorebeke Verpakkingen",
                    vat_number="BE0715231874",
                    default_gl_account="612000",
                    default_vat_code="D21",
                ),
            ),
            journals=(
                Journal(
                    code="AANK",
                    name="Aankopen",
                    type="purchase",
                    number_format="yy000###",
                    first_period="2026-01",
                    platform=True,
                ),
            ),
        )
        yield world


async def test_the_office_wide_list_shows_only_the_dossiers_the_caller_may_see(
    world: World,
) -> None:
    in_peeters = await world.deliver(world.peeters, "VH-P1", "100.00")
    in_janssens = await world.deliver(world.janssens, "VH-J1", "300.00")
    await world.deliver(world.retired, "VH-R1")
    in_andere = await world.deliver(world.andere, "VH-A1", office=world.other_office)
    ocr_in_janssens = await world.deliver(world.janssens, "scan", status="ocr")
    http = world.http

    listed = await http.get("/office/proposals", headers=world.admin)
    assert listed.status_code == 200, listed.text
    assert [p["id"] for p in listed.json()] == [
        str(in_peeters),
        str(in_janssens),
        str(ocr_in_janssens),
    ]
    assert listed.headers["X-Total-Count"] == "3"
    assert {p["dossier_name"] for p in listed.json()} == {"Bakkerij Peeters", "Garage Janssens"}

    by_dossier = await http.get(
        "/office/proposals",
        params={"sort": "-dossier", "limit": 1, "offset": 1},
        headers=world.admin,
    )
    assert by_dossier.headers["X-Total-Count"] == "3"
    assert by_dossier.json()[0]["dossier_name"] == "Garage Janssens"
    filtered = await http.get(
        "/office/proposals",
        params={"dossier": str(world.peeters), "sort": "-total"},
        headers=world.admin,
    )
    assert [p["id"] for p in filtered.json()] == [str(in_peeters)]
    ocr = await http.get("/office/proposals", params={"status": "ocr"}, headers=world.admin)
    assert [p["id"] for p in ocr.json()] == [str(ocr_in_janssens)]
    counts = await http.get("/office/proposals/counts", headers=world.admin)
    assert counts.json()["tabs"] == {"purchase": 3, "sales": 0, "misc": 0}
    assert counts.json()["filters"]["no_counterparty"] == 1

    # An employee assigned to Janssens only: Janssens' proposals, never Peeters'.
    employee = world.headers(Role.EMPLOYEE, dossiers=[world.janssens])
    mine = await http.get("/office/proposals", headers=employee)
    assert [p["id"] for p in mine.json()] == [str(in_janssens), str(ocr_in_janssens)]
    assert (await http.get("/office/proposals/counts", headers=employee)).json()["tabs"][
        "purchase"
    ] == 2
    hidden = await http.get(
        "/office/proposals", params={"dossier": str(world.peeters)}, headers=employee
    )
    assert hidden.status_code == 404
    assert f"dossier {world.peeters} not found" in hidden.text

    # The other office: its own proposals only, even with a token that lists our dossiers.
    other_admin = world.headers(Role.ADMIN, office=world.other_office)
    assert [p["id"] for p in (await http.get("/office/proposals", headers=other_admin)).json()] == [
        str(in_andere)
    ]
    intruder = world.headers(
        Role.EMPLOYEE, office=world.other_office, dossiers=[world.peeters, world.janssens]
    )
    assert (await http.get("/office/proposals", headers=intruder)).json() == []
    assert (await http.get("/office/proposals/counts", headers=intruder)).json()["tabs"] == {
        "purchase": 0,
        "sales": 0,
        "misc": 0,
    }
    sneaking = await http.get(
        "/office/proposals", params={"dossier": str(world.peeters)}, headers=intruder
    )
    assert sneaking.status_code == 404

    client = world.headers(Role.CLIENT_ADMINISTRATOR, dossiers=[world.peeters])
    refused = await http.get("/office/proposals", headers=client)
    assert refused.status_code == 403
    assert "client_administrator may not do this" in refused.text


async def test_moving_proposals_enriches_them_against_the_target_books(world: World) -> None:
    first = await world.deliver(world.peeters, "VH-M1", "100.00")
    second = await world.deliver(world.peeters, "VH-M2", "50.00")
    http = world.http
    base = f"/dossiers/{world.peeters}/proposals"
    before = (await http.get(f"{base}/{first}", headers=world.admin)).json()
    assert (before["counterparty_number"], before["journal"]) == ("L0006", "CFAAN")
    assert before["detail_lines"][0]["gl_account"] == "604000"
    await http.post(f"{base}/{first}/check", headers=world.admin)

    # Not visible, another office's or the same dossier: 422, nothing moved, nothing published.
    for target, message in (
        (world.andere, f"dossier {world.andere} is not a dossier of your office you may see"),
        (world.retired, f"dossier {world.retired} is not a dossier of your office you may see"),
        (world.peeters, f"the proposals are already in dossier {world.peeters}"),
    ):
        refused = await http.post(
            f"{base}/bulk/move",
            json={"proposal_ids": [str(first)], "dossier_id": str(target)},
            headers=world.admin,
        )
        assert refused.status_code == 422, refused.text
        assert message in refused.text
    employee = world.headers(Role.EMPLOYEE, dossiers=[world.peeters])
    not_assigned = await http.post(
        f"{base}/bulk/move",
        json={"proposal_ids": [str(first)], "dossier_id": str(world.janssens)},
        headers=employee,
    )
    assert not_assigned.status_code == 422
    unknown = await http.post(
        f"{base}/bulk/move",
        json={"proposal_ids": [str(first), str(uuid.uuid4())], "dossier_id": str(world.janssens)},
        headers=world.admin,
    )
    assert unknown.status_code == 404
    assert (
        await world.pool.fetchval(
            "SELECT count(*) FROM proposals WHERE dossier_id = $1", world.peeters
        )
        == 2
    )
    assert await world.outbox() == []

    moved = await http.post(
        f"{base}/bulk/move",
        json={"proposal_ids": [str(first), str(second)], "dossier_id": str(world.janssens)},
        headers=world.admin,
    )
    assert moved.status_code == 200, moved.text
    after = moved.json()[0]
    assert after["id"] == str(first)
    assert (after["dossier_id"], after["counterparty_number"], after["journal"]) == (
        str(world.janssens),
        "F0099",
        "AANK",
    )
    assert [(line["gl_account"], line["vat_code"]) for line in after["detail_lines"]] == [
        ("612000", "D21")
    ]
    assert (after["status"], after["checked"], after["invoice_number"]) == ("ok", False, "VH-M1")
    assert after["period"] == "2026-11"
    # It is Janssens' now: gone from Peeters' list, in Janssens'.
    assert (await http.get(f"{base}/{first}", headers=world.admin)).status_code == 404
    janssens = await http.get(f"/dossiers/{world.janssens}/proposals", headers=world.admin)
    assert {p["id"] for p in janssens.json()} == {str(first), str(second)}
    assert (
        await world.pool.fetchval(
            "SELECT dossier_id FROM submitted_documents WHERE document_id = $1",
            uuid.UUID(after["document_id"]),
        )
        == world.janssens
    )

    published = await world.outbox()
    assert [topic for topic, _ in published] == ["document.moved.v1"] * 2
    _, envelope = published[0]
    assert envelope["dossierid"] == str(world.janssens)
    assert envelope["data"]["document_id"] == after["document_id"]
    assert envelope["data"]["from_dossier_id"] == str(world.peeters)
    assert envelope["data"]["moved_by"] == "admin@office.example"

    # A sent proposal stays where it is.
    await http.post(f"/dossiers/{world.janssens}/proposals/{first}/send", headers=world.admin)
    sent = await http.post(
        f"/dossiers/{world.janssens}/proposals/bulk/move",
        json={"proposal_ids": [str(first), str(second)], "dossier_id": str(world.peeters)},
        headers=world.admin,
    )
    assert sent.status_code == 409
    assert "can no longer be changed" in sent.text
    assert (
        await world.pool.fetchval("SELECT dossier_id FROM proposals WHERE id = $1", second)
        == world.janssens
    )

    # A client user works one dossier: moving is the office's.
    client = world.headers(Role.CLIENT_ADMINISTRATOR, dossiers=[world.janssens, world.peeters])
    forbidden = await http.post(
        f"/dossiers/{world.janssens}/proposals/bulk/move",
        json={"proposal_ids": [str(second)], "dossier_id": str(world.peeters)},
        headers=client,
    )
    assert forbidden.status_code == 403


async def test_reading_a_document_again_updates_its_proposal(world: World) -> None:
    scan = await world.deliver(world.peeters, "scan", status="ocr")
    readable = await world.deliver(world.peeters, "VH-OK", "80.00")
    http = world.http
    base = f"/dossiers/{world.peeters}/proposals"

    # Only OCR, Empty and Nok proposals; all or none.
    refused = await http.post(f"{base}/{readable}/recognize", headers=world.admin)
    assert refused.status_code == 409
    assert "only OCR, Empty or Nok proposals can be read again" in refused.text
    both = await http.post(
        f"{base}/bulk/recognize",
        json={"proposal_ids": [str(scan), str(readable)]},
        headers=world.admin,
    )
    assert both.status_code == 409
    assert await world.outbox() == []

    asked = await http.post(f"{base}/{scan}/recognize", headers=world.admin)
    assert asked.status_code == 200, asked.text
    assert asked.json()["recognition_requested_at"] is not None
    assert asked.json()["status"] == "ocr"
    again = await http.post(
        f"{base}/bulk/recognize", json={"proposal_ids": [str(scan)]}, headers=world.admin
    )
    assert again.status_code == 200
    published = await world.outbox()
    assert [topic for topic, _ in published] == ["document.recognition-requested.v1"]
    request = published[0][1]
    document = uuid.UUID(asked.json()["document_id"])
    assert request["data"]["document_id"] == str(document)
    assert (request["data"]["mailbox"], request["dossierid"]) == ("purchase", str(world.peeters))

    # Recognition answers with a better reading: the same proposal, now enriched and Ok.
    await world.handle(
        TakesMany(on_documents_recognized),
        recognised(document, "VH-SCAN", "120.00", "ok"),
        world.peeters,
    )
    rows = await world.pool.fetch("SELECT id FROM proposals WHERE document_id = $1", document)
    assert [row["id"] for row in rows] == [scan]
    updated = (await http.get(f"{base}/{scan}", headers=world.admin)).json()
    assert (updated["status"], updated["invoice_number"], updated["counterparty_number"]) == (
        "ok",
        "VH-SCAN",
        "L0006",
    )
    assert updated["total_incl_vat"] == "145.20"
    assert updated["recognition_requested_at"] is None
    assert [line["gl_account"] for line in updated["detail_lines"]] == ["604000"]
    # Now Ok: it is not read again.
    assert (await http.post(f"{base}/{scan}/recognize", headers=world.admin)).status_code == 409

    # A reading nobody asked for leaves the office's proposal as it is.
    await world.handle(
        TakesMany(on_documents_recognized),
        recognised(uuid.UUID(updated["document_id"]), "OTHER", "1.00", "ok"),
        world.peeters,
    )
    unchanged = (await http.get(f"{base}/{scan}", headers=world.admin)).json()
    assert unchanged["invoice_number"] == "VH-SCAN"


async def status_changes(world: World, *proposals: uuid.UUID) -> list[tuple[str, str, str]]:
    rows = await world.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'proposal.status-changed.v1' ORDER BY id"
    )
    events = [json.loads(row["payload"])["data"] for row in rows]
    wanted = {str(proposal) for proposal in proposals}
    return [
        (e["proposal_id"], e["new_status"], e["reason"])
        for e in events
        if e["proposal_id"] in wanted and e["reason"] != "made"
    ]


async def test_merging_proposals_asks_ingest_all_or_nothing(world: World) -> None:
    first = await world.deliver(world.peeters, "scan 1", status="ocr")
    second = await world.deliver(world.peeters, "scan 2", status="nok")
    e_invoice = await world.deliver(world.peeters, "VH-XML", "80.00")  # read from UBL
    sent = await world.deliver(world.peeters, "scan 3", status="ocr")
    await world.pool.execute(
        "UPDATE proposals SET stage = 'sent', status = 'sent' WHERE id = $1", sent
    )
    elsewhere = await world.deliver(world.janssens, "scan J", status="ocr")
    paid = await world.deliver(world.peeters, "scan 4", status="ocr")
    paid_document = await world.pool.fetchval(
        "SELECT document_id FROM proposals WHERE id = $1", paid
    )
    await world.handle(
        on_payment_queued,
        PaymentQueued(
            payment_id=uuid.uuid4(),
            document_id=paid_document,
            amount=Decimal("10.00"),
            status="in_processing",
        ),
        world.peeters,
    )
    http = world.http
    base = f"/dossiers/{world.peeters}/proposals"

    async def merge(*ids: uuid.UUID, headers: dict[str, str] | None = None) -> httpx.Response:
        return await http.post(
            f"{base}/merge",
            json={"proposal_ids": [str(i) for i in ids]},
            headers=headers or world.admin,
        )

    for ids, code, message in (
        ((first,), 422, "choose at least 2 proposals to merge"),
        ((first, first), 422, "a proposal is chosen more than once"),
        ((first, e_invoice), 422, f"proposal {e_invoice} was read from an e-invoice (XML)"),
        ((first, elsewhere), 404, f"proposal {elsewhere} not found"),
        ((first, sent), 409, f"proposal {sent} is sent: only proposals not sent can be merged"),
        ((first,) * 51, 422, "a proposal is chosen more than once"),
        (
            (first, paid),
            409,
            f"proposal {paid} cannot be merged: its invoice is in a payment file of this dossier",
        ),
    ):
        refused = await merge(*ids)
        assert refused.status_code == code, refused.text
        assert message in refused.json()["detail"], refused.text
    reader = world.headers(Role.CLIENT_DOCUMENT_PROCESSING, dossiers=[world.peeters])
    assert (await merge(first, second, headers=reader)).status_code == 403
    # Nothing was written: every proposal is there, nothing asked of ingest.
    assert await world.outbox() == []
    assert await status_changes(world, first, second, e_invoice, sent, paid) == []

    documents = {
        row["id"]: row["document_id"]
        for row in await world.pool.fetch("SELECT id, document_id FROM proposals")
    }
    merged = await merge(second, first)
    assert merged.status_code == 202, merged.text
    answer = merged.json()
    assert answer["proposal_ids"] == [str(second), str(first)]
    assert answer["document_ids"] == [str(documents[second]), str(documents[first])]
    for proposal in (first, second):
        assert (await http.get(f"{base}/{proposal}", headers=world.admin)).status_code == 404
    [(topic, request)] = await world.outbox()
    assert topic == "document.merge-requested.v1"
    assert request["dossierid"] == str(world.peeters)
    assert request["data"]["merge_id"] == answer["merge_id"]
    assert request["data"]["document_ids"] == answer["document_ids"]
    assert await status_changes(world, first, second) == [
        (str(second), "deleted", "merged"),
        (str(first), "deleted", "merged"),
    ]
    # A late reading of a merged document makes no proposal of its own.
    await world.handle(
        TakesMany(on_documents_recognized),
        recognised(documents[first], "LATE", "1.00", "ok"),
        world.peeters,
    )
    assert (
        await world.pool.fetchval(
            "SELECT count(*) FROM proposals WHERE document_id = $1", documents[first]
        )
        == 0
    )

    # Ingest could not merge them: both proposals come back, made again from their documents.
    await world.handle(
        on_document_merge_refused,
        DocumentMergeRefused(
            merge_id=uuid.UUID(answer["merge_id"]),
            document_ids=(documents[second], documents[first]),
            reason="b.pdf is a damaged PDF and cannot be read",
        ),
        world.peeters,
    )
    back = await world.pool.fetch(
        "SELECT document_id, status FROM proposals WHERE document_id = ANY($1::uuid[])",
        [documents[first], documents[second]],
    )
    assert {row["document_id"]: row["status"] for row in back} == {
        documents[first]: "ok",  # its latest reading
        documents[second]: "nok",
    }


async def test_next_and_previous_across_the_office_follow_the_office_list(world: World) -> None:
    p1 = await world.deliver(world.peeters, "VH-N1", "100.00")
    j1 = await world.deliver(world.janssens, "VH-N2", "300.00")
    j_ocr = await world.deliver(world.janssens, "scan", status="ocr")
    p2 = await world.deliver(world.peeters, "VH-N3", "200.00")
    hidden = await world.deliver(world.andere, "VH-N4", office=world.other_office)
    http = world.http

    async def step(
        proposal: uuid.UUID, way: str, headers: dict[str, str] | None = None, **params: Any
    ) -> httpx.Response:
        return await http.get(
            f"/office/proposals/{proposal}/{way}", params=params, headers=headers or world.admin
        )

    listed = [p["id"] for p in (await http.get("/office/proposals", headers=world.admin)).json()]
    assert listed == [str(p1), str(j1), str(j_ocr), str(p2)]
    # Oldest first, across the dossiers: the answer is another dossier's proposal when next.
    answer = await step(p1, "next")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["id"], answer.json()["dossier_name"]) == (str(j1), "Garage Janssens")
    assert (await step(p2, "previous")).json()["id"] == str(j_ocr)
    last = await step(p2, "next")
    assert last.status_code == 404 and "is the last of this list" in last.text
    first = await step(p1, "previous")
    assert first.status_code == 404 and "is the first of this list" in first.text
    # The same sort and filters as the list.
    assert (await step(p2, "next", sort="-total")).json()["id"] == str(p1)
    assert (await step(j1, "next", sort="-total")).json()["id"] == str(p2)
    assert (await step(p1, "next", dossier=str(world.peeters))).json()["id"] == str(p2)
    filtered = await step(p1, "next", status="ocr")
    assert filtered.status_code == 404 and "not found in this list" in filtered.text

    # An employee of Janssens walks Janssens' proposals only; another office nothing of ours.
    employee = world.headers(Role.EMPLOYEE, dossiers=[world.janssens])
    assert (await step(j1, "next", employee)).json()["id"] == str(j_ocr)
    assert (await step(j_ocr, "next", employee)).status_code == 404
    assert (await step(p1, "next", employee)).status_code == 404
    assert (await step(j1, "next", employee, dossier=str(world.peeters))).status_code == 404
    other_admin = world.headers(Role.ADMIN, office=world.other_office)
    assert (await step(p1, "next", other_admin)).status_code == 404
    assert (await step(hidden, "previous", other_admin)).status_code == 404  # its only one
    client = world.headers(Role.CLIENT_ADMINISTRATOR, dossiers=[world.peeters])
    assert (await step(p1, "next", client)).status_code == 403


async def test_a_move_takes_the_conversations_along_and_stops_at_approval_or_payment(
    world: World,
) -> None:
    talked = await world.deliver(world.peeters, "VH-C1", "100.00")
    approved = await world.deliver(world.peeters, "VH-C2", "100.00")
    in_basket = await world.deliver(world.peeters, "VH-C3", "100.00")
    http = world.http
    base = f"/dossiers/{world.peeters}/proposals"
    documents = {
        row["id"]: row["document_id"]
        for row in await world.pool.fetch("SELECT id, document_id FROM proposals")
    }
    started = await http.post(
        f"/dossiers/{world.peeters}/conversations",
        json={"proposal_id": str(talked), "subject": "Welke kost?", "text": "Is dit van jullie?"},
        headers=world.admin,
    )
    assert started.status_code == 201, started.text
    conversation = started.json()["id"]
    await world.handle(
        on_invoice_approved,
        InvoiceApproved(document_id=documents[approved], approved_by=("ann@peeters.example",)),
        world.peeters,
    )
    await world.handle(
        on_payment_queued,
        PaymentQueued(
            payment_id=uuid.uuid4(),
            document_id=documents[in_basket],
            amount=Decimal("121.00"),
            status="in_basket",
        ),
        world.peeters,
    )

    async def move(*ids: uuid.UUID) -> httpx.Response:
        return await http.post(
            f"{base}/bulk/move",
            json={"proposal_ids": [str(i) for i in ids], "dossier_id": str(world.janssens)},
            headers=world.admin,
        )

    refused = await move(talked, approved)
    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"proposal {approved} cannot be moved: its invoice was approved by this dossier's "
        "approvers; delete it here and deliver the document to the other dossier, where its "
        "own approval process applies"
    )
    refused = await move(in_basket)
    assert refused.status_code == 409
    assert "its invoice is in this dossier's payment basket" in refused.json()["detail"]
    # Nothing moved, not even the proposal that could have been.
    assert (await http.get(f"{base}/{talked}", headers=world.admin)).status_code == 200
    assert await world.outbox() == []

    moved = await move(talked)
    assert moved.status_code == 200, moved.text
    there = await http.get(
        f"/dossiers/{world.janssens}/conversations/{conversation}", headers=world.admin
    )
    assert there.status_code == 200, there.text
    assert there.json()["dossier_id"] == str(world.janssens)
    gone = await http.get(
        f"/dossiers/{world.peeters}/conversations/{conversation}", headers=world.admin
    )
    assert gone.status_code == 404


async def test_support_works_the_worklist_of_its_assigned_dossiers_only(world: World) -> None:
    """Seed 003: the support profile works the worklist of the dossiers assigned to it (edit,
    check, send) like an employee; another dossier of the office is not its own (404)."""
    proposal = await world.deliver(world.peeters, "VH-SUP")
    url = f"/dossiers/{world.peeters}/proposals/{proposal}"
    support = world.headers(Role.SUPPORT, dossiers=[world.peeters])
    listed = await world.http.get(f"/dossiers/{world.peeters}/proposals", headers=support)
    assert [row["id"] for row in listed.json()] == [str(proposal)]
    edited = await world.http.patch(url, json={"booking_instruction": "op 604"}, headers=support)
    assert edited.status_code == 200, edited.text
    assert edited.json()["booking_instruction"] == "op 604"
    checked = await world.http.post(f"{url}/check", headers=support)
    assert (checked.status_code, checked.json()["status"]) == (200, "checked")
    sent = await world.http.post(f"{url}/send", headers=support)
    assert (sent.status_code, sent.json()["status"]) == (200, "sent"), sent.text
    assert [topic for topic, _ in await world.outbox()] == ["proposal.validated.v1"]
    assert (await world.outbox())[0][1]["data"]["validated_by"] == "support@office.example"

    other = await world.deliver(world.peeters, "VH-SUP-2", "90.00")
    elsewhere = world.headers(Role.SUPPORT, dossiers=[world.janssens])
    for method, path in (("PATCH", ""), ("POST", "/check"), ("POST", "/send"), ("GET", "")):
        refused = await world.http.request(
            method,
            f"/dossiers/{world.peeters}/proposals/{other}{path}",
            json={"invoice_number": "X"} if method == "PATCH" else None,
            headers=elsewhere,
        )
        assert refused.status_code == 404, (method, path, refused.text)
    row = await world.pool.fetchrow(
        "SELECT status, invoice_number FROM proposals WHERE id = $1", other
    )
    assert (row["status"], row["invoice_number"]) == ("ok", "VH-SUP-2")


async def test_the_seed_filters_find_what_they_name(world: World) -> None:
    """No counterparty, amount is 0, invoice date after period, not checked: each filter lists
    exactly its proposals, and the counts say as much."""
    plain, zero, late, anonymous = [
        await world.deliver(world.peeters, number, net)
        for number, net in (("VH-F1", "100.00"), ("VH-F2", "0.00"), ("VH-F3", "50.00"),
                            ("VH-F4", "70.00"))
    ]  # fmt: skip
    base = f"/dossiers/{world.peeters}/proposals"
    moved = await world.http.post(
        f"{base}/bulk/change",
        json={"proposal_ids": [str(late)], "period": "2026-10"},  # invoiced 14/11/2026
        headers=world.admin,
    )
    assert moved.status_code == 200, moved.text
    assert "invoice_date_after_period" in [w["code"] for w in moved.json()[0]["warnings"]]
    nobody = await world.http.patch(
        f"{base}/{anonymous}",
        json={"counterparty_number": None, "counterparty_name": None, "counterparty_vat": None},
        headers=world.admin,
    )
    assert nobody.status_code == 200, nobody.text
    checked = await world.http.post(f"{base}/{plain}/check", headers=world.admin)
    assert checked.status_code == 200

    async def filtered(name: str) -> list[str]:
        listed = await world.http.get(base, params={"filter": name}, headers=world.admin)
        assert listed.status_code == 200, listed.text
        return [row["id"] for row in listed.json()]

    assert await filtered("date_after_period") == [str(late)]
    assert await filtered("amount_zero") == [str(zero)]
    assert await filtered("no_counterparty") == [str(anonymous)]
    assert await filtered("not_checked") == [str(zero), str(late), str(anonymous)]
    counts = await world.http.get(f"{base}/counts", headers=world.admin)
    assert counts.json()["filters"] == {
        "no_counterparty": 1,
        "amount_zero": 1,
        "duplicates": 0,
        "not_checked": 3,
        "date_after_period": 1,
    }


async def test_changing_the_type_in_bulk_enriches_the_proposals_again_as_that_type(
    world: World,
) -> None:
    """Purchase to sales: the sales tab, the sales journal, the customer side (not a known
    customer: a new one) and the sales VAT code; back to purchase: the supplier again."""
    first = await world.deliver(world.peeters, "VH-T1", "100.00")
    second = await world.deliver(world.peeters, "VH-T2", "200.00")
    base = f"/dossiers/{world.peeters}/proposals"
    ids = [str(first), str(second)]

    to_sales = await world.http.post(
        f"{base}/bulk/change", json={"proposal_ids": ids, "mailbox": "sales"}, headers=world.admin
    )
    assert to_sales.status_code == 200, to_sales.text
    for proposal in to_sales.json():
        assert (proposal["mailbox"], proposal["journal"]) == ("sales", "CFVER")
        assert (proposal["counterparty_number"], proposal["status"]) == (None, "ok_new")
        assert [line["vat_code"] for line in proposal["detail_lines"]] == ["V21"]
    tabs = (await world.http.get(f"{base}/counts", headers=world.admin)).json()["tabs"]
    assert tabs == {"purchase": 0, "sales": 2, "misc": 0}

    back = await world.http.post(
        f"{base}/bulk/change",
        json={"proposal_ids": ids, "mailbox": "purchase"},
        headers=world.admin,
    )
    assert back.status_code == 200, back.text
    assert [(p["mailbox"], p["journal"], p["counterparty_number"]) for p in back.json()] == [
        ("purchase", "CFAAN", "L0006"),
        ("purchase", "CFAAN", "L0006"),
    ]
