"""Applying one of the counterparty's templates to a proposal, through the worklist's HTTP API
against a real PostgreSQL (no Kafka: what is published is read from the outbox). Van Hoorebeke
(L0006) was booked three times on one line and twice split over two lines: two templates, the
second applied to a new invoice; refusals (409, 404, 422) write nothing."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role
from worklist.service_layer import on_ledger_synced

from services.worklist.tests.integration.helpers import (
    bearer,
    books_synced,
    deliver,
    handle,
    worklist_api,
)

pytestmark = [pytest.mark.integration]


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    office: uuid.UUID
    dossier: uuid.UUID
    other_dossier: uuid.UUID

    @property
    def admin(self) -> dict[str, str]:
        return bearer(self.office, Role.ADMIN, subject="els@office.example")

    async def deliver(self, dossier: uuid.UUID, number: str, net: str) -> uuid.UUID:
        """A purchase invoice of Van Hoorebeke (21 % VAT) recognised and submitted: its
        proposal's id."""
        document = await deliver(self.pool, self.office, dossier, number, net)
        return await self.pool.fetchval("SELECT id FROM proposals WHERE document_id = $1", document)

    async def booked(self, lines: list[tuple[str, str, str]]) -> None:
        """One posted booking of L0006 in the dossier's history: (GL account, VAT code, amount)
        per line."""
        await self.pool.execute(
            """INSERT INTO suggestion_bookings (office_id, dossier_id, proposal_id, counterparty,
                    booked_on, lines, validated_at, posted_at, history_seq)
            VALUES ($1, $2, $3, 'L0006', $4, $5::jsonb, now(), now(),
                    nextval('suggestion_history_seq'))""",
            self.office,
            self.dossier,
            uuid.uuid4(),
            date(2026, 10, 1),
            [
                {"gl_account": gl, "vat_code": vat, "amount_excl_vat": amount}
                for gl, vat, amount in lines
            ],
        )

    async def snapshot(self, proposal: uuid.UUID) -> tuple[Any, ...]:
        """What a refusal must leave alone: the proposal's row and the outbox."""
        row = await self.pool.fetchrow("SELECT * FROM proposals WHERE id = $1", proposal)
        outbox = await self.pool.fetchval("SELECT count(*) FROM outbox")
        return tuple(row.values()), outbox


@pytest.fixture
async def world(database: str, pool: asyncpg.Pool) -> AsyncIterator[World]:
    office, dossier, other_dossier = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    await pool.executemany(
        "INSERT INTO dossiers (id, office_id, name, active) VALUES ($1, $2, $3, true)",
        [(dossier, office, "Bakkerij Peeters"), (other_dossier, office, "Garage Janssens")],
    )
    async with worklist_api(database) as http:
        for each in (dossier, other_dossier):
            await handle(pool, on_ledger_synced, books_synced(), office, each)
        yield World(http, pool, office, dossier, other_dossier)


async def test_the_second_template_fills_the_lines_and_refusals_write_nothing(
    world: World,
) -> None:
    http, dossier = world.http, world.dossier
    for _ in range(3):  # booked on one line three times: the most used template
        await world.booked([("604000", "A21", "150.00")])
    for _ in range(2):  # split over goods and services twice: the second
        await world.booked([("604000", "A21", "200.00"), ("612000", "D21", "100.00")])
    templates = await http.get(
        f"/dossiers/{dossier}/counterparties/L0006/templates", headers=world.admin
    )
    assert templates.status_code == 200, templates.text
    assert [(t["uses"], [line["gl_account"] for line in t["lines"]]) for t in templates.json()] == [
        (3, ["604000"]),
        (2, ["604000", "612000"]),
    ]

    proposal = await world.deliver(dossier, "VH-10", "100.00")
    url = f"/dossiers/{dossier}/proposals/{proposal}"
    before = (await http.get(url, headers=world.admin)).json()
    assert before["lines_source"] == "template"  # the most used one, on its own
    assert [line["gl_account"] for line in before["detail_lines"]] == ["604000"]

    applied = await http.post(f"{url}/apply-template", json={"template": 1}, headers=world.admin)
    assert applied.status_code == 200, applied.text
    body = applied.json()
    assert body["lines_source"] == "template"
    assert [
        (line["gl_account"], line["amount_excl_vat"], line["vat_code"], line["vat_amount"])
        for line in body["detail_lines"]
    ] == [("604000", "66.67", "A21", "14.00"), ("612000", "33.33", "D21", "7.00")]
    assert (body["lines_total"], body["lines_total_matches"]) == ("121.00", True)
    assert body["status"] == "ok"

    # Back to the first template: the same action, one line for the whole total.
    again = await http.post(f"{url}/apply-template", json={"template": 0}, headers=world.admin)
    assert again.status_code == 200, again.text
    assert [
        (line["gl_account"], line["amount_excl_vat"], line["vat_amount"])
        for line in again.json()["detail_lines"]
    ] == [("604000", "100.00", "21.00")]

    # No third template: 404 naming it, nothing written.
    unchanged = await world.snapshot(proposal)
    missing = await http.post(f"{url}/apply-template", json={"template": 2}, headers=world.admin)
    assert missing.status_code == 404
    assert missing.json()["detail"] == "counterparty L0006 has no template 2 (2 templates)"
    assert await world.snapshot(proposal) == unchanged

    # Another dossier's proposal: 404 in this one.
    elsewhere = await world.deliver(world.other_dossier, "VH-11", "100.00")
    theirs = await world.snapshot(elsewhere)
    foreign = await http.post(
        f"/dossiers/{dossier}/proposals/{elsewhere}/apply-template",
        json={"template": 0},
        headers=world.admin,
    )
    assert foreign.status_code == 404
    assert foreign.json()["detail"] == f"proposal {elsewhere} not found"
    assert await world.snapshot(elsewhere) == theirs

    # A negative position is bad input, not a template.
    unchanged = await world.snapshot(proposal)
    negative = await http.post(f"{url}/apply-template", json={"template": -1}, headers=world.admin)
    assert negative.status_code == 422
    assert await world.snapshot(proposal) == unchanged


async def test_a_proposal_without_counterparty_or_already_sent_is_refused(world: World) -> None:
    http, dossier = world.http, world.dossier
    for _ in range(3):
        await world.booked([("604000", "A21", "150.00")])

    nameless = await world.deliver(dossier, "VH-20", "100.00")
    url = f"/dossiers/{dossier}/proposals/{nameless}"
    edited = await http.patch(url, json={"counterparty_number": None}, headers=world.admin)
    assert edited.status_code == 200, edited.text
    unchanged = await world.snapshot(nameless)
    refused = await http.post(f"{url}/apply-template", json={"template": 0}, headers=world.admin)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        f"proposal {nameless} has no counterparty: templates are a counterparty's"
    )
    assert await world.snapshot(nameless) == unchanged

    sent = await world.deliver(dossier, "VH-21", "250.00")
    url = f"/dossiers/{dossier}/proposals/{sent}"
    sending = await http.post(f"{url}/send", headers=world.admin)
    assert sending.status_code == 200, sending.text
    unchanged = await world.snapshot(sent)
    refused = await http.post(f"{url}/apply-template", json={"template": 0}, headers=world.admin)
    assert refused.status_code == 409
    assert refused.json()["detail"] == f"proposal {sent} is sent and can no longer be changed"
    assert await world.snapshot(sent) == unchanged
