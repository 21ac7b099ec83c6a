"""Feedback reports of a dossier connected over Kafka equal those of the same books read
in-process, on the real PostgreSQL.

One copy of the demo ledger is the books of two dossiers of one office: PEETERS read in-process
by sync, and PEETERS connected over Kafka, whose books reach sync only as the reference
connector's ledger.synced.v1 (its handlers on a database of their own, the events passed from
one outbox to the other handler as Kafka would deliver them). Every feedback report, JSON and
CSV, at a past and a present pivot, is asked of both through sync's HTTP API and must be the
same; again after a booking posted through the connector (its delta run) and after its
deletion (the item history removed)."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.demo import JWT_ISSUER
from ledgerline.events import (
    BookingDeleted,
    BookingDeleteRequested,
    BookingPosted,
    BookingRequested,
    Envelope,
    LedgerSynced,
    ProposalLine,
)
from ledgerline.settings import DEV_JWT_SECRET
from sync import service_layer
from sync.domain.ledger_sync import MAX_MESSAGE_BYTES
from sync.kafka_connector import service as connector_service

from services.sync.tests.integration.world import Connector, Handler, World, drain

pytestmark = [pytest.mark.integration]

# Two offices (the world's and KAFKA_OFFICE): an office activates a package dossier code once,
# and both dossiers have the same.
KAFKA_OFFICE = uuid.uuid4()
PAST, PRESENT = "2026-06-30", "2026-11-30"
CSV = {"Accept": "text/csv"}


@dataclass
class Reports:
    """Sync's HTTP API over the world, the connector beside it, and the two dossiers on the
    same books: `in_process` (office `world.office`) and `kafka` (office KAFKA_OFFICE)."""

    http: httpx.AsyncClient
    world: World
    connector: Connector
    in_process: uuid.UUID
    kafka: uuid.UUID

    def headers(self, dossier: uuid.UUID) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject="admin@office.example",
            office_id=KAFKA_OFFICE if dossier == self.kafka else self.world.office,
            role=Role.ADMIN,
            dossiers=[dossier],
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}

    async def get(
        self, dossier: uuid.UUID, path: str, params: dict[str, str], csv: bool = False
    ) -> httpx.Response:
        return await self.http.get(
            f"/dossiers/{dossier}/feedback/{path}",
            params=params,
            headers=self.headers(dossier) | (CSV if csv else {}),
        )

    def envelope(self, data: Any, source: str) -> Any:
        """`data` in an envelope of the Kafka dossier."""
        return self.world.envelope(data, self.kafka, source, office=KAFKA_OFFICE)

    async def connector_answers(self, handler: Handler, event: Any) -> list[Envelope[Any]]:
        """The connector handles a request; sync takes its answers (ledger.synced.v1 chunks
        and booking answers) as its consumers would."""
        answers = await self.connector.answer(handler, event)
        for answer in answers:
            sync_handler = {
                LedgerSynced: service_layer.on_connector_synced,
                BookingPosted: service_layer.on_connector_posted,
                BookingDeleted: service_layer.on_connector_deleted,
            }[type(answer.data)]
            await self.world.handle(sync_handler, answer)
        return answers

    async def activate_over_kafka(self) -> list[Envelope[Any]]:
        activation = self.envelope(World.activation(connector="kafka"), "/ledgerline/sync")
        return await self.connector_answers(connector_service.on_dossier, activation)


@pytest.fixture
async def reports(world: World, kafka_connector: Connector) -> AsyncIterator[Reports]:
    # The connector reads and writes the same ledger files the in-process dossier is read from.
    assert kafka_connector.settings.ledger_root == world.settings.ledger_root
    in_process = await world.dossier(name="Bakkerij Peeters (in_process)", connector="in_process")
    kafka = await world.dossier(
        office_id=KAFKA_OFFICE, name="Bakkerij Peeters (kafka)", connector="kafka"
    )
    async with world.http() as http:
        yield Reports(http, world, kafka_connector, in_process, kafka)


# ------------------------------------------------------------------ the reports compared

REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    *(
        (report, {"kind": kind, "pivot": pivot})
        for report in ("aged-balance", "open-items")
        for kind in ("customer", "supplier")
        for pivot in (PAST, PRESENT)
    ),
    ("aged-balance", {"kind": "customer", "pivot": "2026-03-31", "sort": "counterparty_name"}),
    ("open-items", {"kind": "customer", "pivot": PRESENT, "status": "due", "limit": "5"}),
    ("open-items", {"kind": "supplier", "pivot": PAST, "counterparty": "L0003"}),
    ("top", {"kind": "customer", "from": "2026-01", "to": "2026-12"}),
    ("top", {"kind": "supplier", "from": "2026-03", "to": "2026-09", "limit": "5"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-06"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-12"}),
    ("balance-sheet", {"at": "2026-06"}),
    ("balance-sheet", {"at": "2026-12"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"}),
)


async def history_paths(reports: Reports) -> list[str]:
    """Items of both kinds as the in-process books list them at the past pivot (many settled
    since, some partly paid), as history paths, and one the books do not have."""
    paths = []
    for kind in ("customer", "supplier"):
        listed = await reports.get(
            reports.in_process, "open-items", {"kind": kind, "pivot": PAST, "limit": "1000"}
        )
        assert listed.status_code == 200, listed.text
        paths += [
            f"open-items/{item['journal']}/{item['document_number']}/history"
            for item in listed.json()["items"]
        ]
    return [*paths, "open-items/CFAAN/99999999/history"]


async def assert_same_reports(reports: Reports) -> int:
    """Every report of the Kafka dossier equals the in-process one (JSON without its freshness,
    and CSV byte for byte); returns how many were compared."""
    compared = 0
    histories = [(path, {}) for path in await history_paths(reports)]
    for path, params in [*REPORTS, *histories]:
        in_process = await reports.get(reports.in_process, path, params)
        kafka = await reports.get(reports.kafka, path, params)
        assert in_process.status_code in (200, 404), (path, in_process.text)
        assert kafka.status_code == in_process.status_code, (path, params, kafka.text)
        if in_process.status_code == 404:
            assert kafka.json() == in_process.json()
            continue
        books, live = kafka.json(), in_process.json()
        assert live.pop("books_as_of") is None  # read from the ledger now
        assert books.pop("books_as_of") is not None  # sync's copy says when it was read
        assert books == live, (path, params)
        if path != "key-figures":
            kafka_csv = await reports.get(reports.kafka, path, params, csv=True)
            in_process_csv = await reports.get(reports.in_process, path, params, csv=True)
            assert kafka_csv.status_code == 200, kafka_csv.text
            assert kafka_csv.text == in_process_csv.text, (path, params)
        compared += 1
    return compared


async def test_a_kafka_dossier_answers_every_feedback_report_as_its_books_read_in_process(
    reports: Reports,
) -> None:
    chunks = await reports.activate_over_kafka()
    assert chunks[0].data.full and chunks[-1].data.last_chunk
    # The feedback records travel in the run, each message below 512 KiB.
    assert sum(len(c.data.item_histories) for c in chunks) > 200
    assert sum(len(c.data.account_totals) for c in chunks) > 100
    assert sum(len(c.data.turnover_records) for c in chunks) > 100
    assert all(len(c.model_dump_json().encode()) < MAX_MESSAGE_BYTES for c in chunks)

    compared = await assert_same_reports(reports)
    assert compared > 50

    # Non-trivial figures, so that equal means something: at the past pivot items settled
    # since count as open; the history of one shows its payment after that pivot.
    past = (
        await reports.get(reports.kafka, "aged-balance", {"kind": "customer", "pivot": PAST})
    ).json()
    present = (
        await reports.get(reports.kafka, "aged-balance", {"kind": "customer", "pivot": PRESENT})
    ).json()
    assert Decimal(past["totals"]["total"]) > 0 and past["totals"] != present["totals"]
    history = (await reports.get(reports.kafka, "open-items/CFVER/26000001/history", {})).json()
    assert [line["kind"] for line in history["lines"]] == ["invoice", "payment"]
    assert Decimal(history["open_amount"]) == 0
    key_figures = (
        await reports.get(
            reports.kafka,
            "key-figures",
            {"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"},
        )
    ).json()
    assert key_figures["periods"] == [f"2026-{m:02d}" for m in range(1, 10)]  # 10-12 are open


async def test_a_booking_and_its_deletion_through_the_connector_keep_the_reports_equal(
    reports: Reports,
) -> None:
    await reports.activate_over_kafka()
    before = (
        await reports.get(
            reports.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()

    # A purchase invoice validated for the Kafka dossier: sync asks the connector, which books
    # it in the ledger (the in-process dossier's books too) and publishes the delta.
    validated = World.proposal(
        due_date=date(2026, 11, 25),
        total_excl_vat=Decimal("1000.00"),
        total_vat=Decimal("210.00"),
        total_incl_vat=Decimal("1210.00"),
        lines=(
            ProposalLine(
                gl_account="604000",
                amount_excl_vat=Decimal("1000.00"),
                vat_code="A21",
                vat_amount=Decimal("210.00"),
            ),
        ),
    )
    await reports.world.handle(
        service_layer.on_proposal_validated, reports.envelope(validated, "/ledgerline/worklist")
    )
    [request] = [e for e in await drain(reports.world.pool) if isinstance(e.data, BookingRequested)]
    answers = await reports.connector_answers(connector_service.on_booking_requested, request)
    [posted] = [a for a in answers if isinstance(a.data, BookingPosted)]
    [delta] = [a for a in answers if isinstance(a.data, LedgerSynced)]
    key = f"{posted.data.journal}/{posted.data.document_number}"
    # The delta carries the feedback records the booking changed, not the whole ledger.
    assert delta.data.full is False
    assert [f"{h.item.journal}/{h.item.document_number}" for h in delta.data.item_histories] == [
        key
    ]
    assert 0 < len(delta.data.account_totals) <= 4
    assert [(t.counterparty_number, t.period) for t in delta.data.turnover_records] == [
        ("L0003", "2026-11")
    ]

    await assert_same_reports(reports)
    after = (
        await reports.get(
            reports.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()
    assert after != before
    history = (await reports.get(reports.kafka, f"open-items/{key}/history", {})).json()
    assert history["open_amount"] == "1210.00"

    # Deleted through the connector: the item's history is removed from sync's copy.
    deletion = await reports.http.delete(
        f"/dossiers/{reports.kafka}/postings/{validated.proposal_id}",
        params={"reason": "wrong supplier"},
        headers=reports.headers(reports.kafka),
    )
    assert deletion.status_code == 202, deletion.text
    [delete_request] = [
        e for e in await drain(reports.world.pool) if isinstance(e.data, BookingDeleteRequested)
    ]
    answers = await reports.connector_answers(
        connector_service.on_booking_delete_requested, delete_request
    )
    [removal] = [a for a in answers if isinstance(a.data, LedgerSynced)]
    assert removal.data.removed_item_histories == (key,)
    gone = await reports.get(reports.kafka, f"open-items/{key}/history", {})
    assert gone.status_code == 404
    await assert_same_reports(reports)
    restored = (
        await reports.get(
            reports.kafka, "top", {"kind": "supplier", "from": "2026-11", "to": "2026-11"}
        )
    ).json()
    assert restored == before | {"books_as_of": restored["books_as_of"]}


async def test_a_kafka_dossier_whose_books_have_not_arrived_answers_409(reports: Reports) -> None:
    for path, params in REPORTS[:1] + REPORTS[-2:]:
        refused = await reports.get(reports.kafka, path, params)
        assert refused.status_code == 409, refused.text
        assert "have not reached the platform yet" in refused.json()["detail"]
