"""Deleting a booking Ledgerline posted, through sync's HTTP API on the real PostgreSQL and a
copy of the demo ledger (no Kafka: what is published is read from the outbox).

The office deletes a proposal's booking: the transaction leaves the Beancount ledger (which
Beancount still loads without errors), booking.deleted.v1 and a ledger.synced.v1 delta without
the open item go out, once however often it is asked; what the books refuse is a 409 with their
reason and writes nothing; a crash between the ledger write and the commit is finished by the
next request."""

import asyncio
import importlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork, create_pool, run_migrations
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.stack import Infrastructure
from ledgerline.events import DossierActivated, Envelope, ProposalLine, ProposalValidated
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from sync import service_layer
from sync.adapters import dossiers, ledger
from sync.config import SyncSettings
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import PaymentToJournalise
from sync.connectors.demo.generate import DOSSIER_CODE

pytestmark = [pytest.mark.integration]

OFFICE, OTHER_OFFICE = uuid.uuid4(), uuid.uuid4()


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    settings: SyncSettings
    dossier: uuid.UUID
    kafka_dossier: uuid.UUID

    def headers(
        self, role: Role = Role.EMPLOYEE, office: uuid.UUID = OFFICE, *, assigned: bool = True
    ) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject=f"{role.value}@office.example",
            office_id=office,
            role=role,
            dossiers=[self.dossier, self.kafka_dossier] if assigned else [],
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}

    def url(self, proposal_id: uuid.UUID, dossier: uuid.UUID | None = None) -> str:
        return f"/dossiers/{dossier or self.dossier}/postings/{proposal_id}"

    async def delete(
        self,
        proposal_id: uuid.UUID,
        reason: str | None = "wrong supplier",
        **headers: Any,
    ) -> httpx.Response:
        params = {} if reason is None else {"reason": reason}
        return await self.http.delete(
            self.url(proposal_id, headers.pop("dossier", None)),
            params=params,
            headers=headers.pop("auth", None) or self.headers(),
        )

    async def post(self) -> dict[str, Any]:
        """A proposal validated and posted through the in-process connector: its posting."""
        event = envelope(proposal(), self.dossier)
        async with UnitOfWork(self.pool, source="sync") as uow:
            await service_layer.on_proposal_validated(uow, event, self.settings)
        row = await self.pool.fetchrow(
            "SELECT * FROM postings WHERE proposal_id = $1", event.data.proposal_id
        )
        assert row["status"] == "posted"
        return dict(row)

    async def outbox(self, topic: str) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic
        )
        return [json.loads(row["payload"])["data"] for row in rows]

    async def deltas(self) -> list[dict[str, Any]]:
        """The ledger.synced.v1 deltas (the activation's full run left out)."""
        return [data for data in await self.outbox("ledger.synced.v1") if not data["full"]]


def envelope(data: Any, dossier_id: uuid.UUID) -> Any:
    return Envelope[type(data)](  # type: ignore[misc]
        source="/ledgerline/worklist",
        type="t",
        dossierid=dossier_id,
        officeid=OFFICE,
        correlationid="c",
        data=data,
    )


def proposal() -> ProposalValidated:
    return ProposalValidated(
        proposal_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        journal="CFAAN",
        period="2026-11",
        counterparty_number="L0003",
        invoice_number="F-77",
        invoice_date=date(2026, 11, 20),
        currency="EUR",
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
        validated_by="eva@office.example",
        lines=(
            ProposalLine(
                gl_account="604000",
                amount_excl_vat=Decimal("100.00"),
                vat_code="A21",
                vat_amount=Decimal("21.00"),
            ),
        ),
    )


def transactions_of(root: Path, proposal_id: uuid.UUID) -> list[bean_data.Transaction]:
    """The proposal's transactions in the ledger, loaded by Beancount (which finds no error)."""
    entries, errors, _ = loader.load_file(str(root / DOSSIER_CODE / "main.beancount"))
    assert errors == []
    return [
        entry
        for entry in entries
        if isinstance(entry, bean_data.Transaction)
        and entry.meta.get("proposal-id") == str(proposal_id)
    ]


def bookings_bytes(root: Path) -> bytes:
    return (root / DOSSIER_CODE / "bookings.beancount").read_bytes()


@pytest.fixture
async def world(infrastructure: Infrastructure, demo_root: Path) -> AsyncIterator[World]:
    assert infrastructure.postgres is not None
    name = f"t{uuid.uuid4().hex[:12]}"
    dsn = await infrastructure.postgres.ensure_database(name, owner=name, password="test")
    definition = importlib.import_module("sync.bootstrap").definition()
    await asyncio.to_thread(run_migrations, dsn, definition.versions_dir)
    pool = await create_pool(dsn)
    in_process, over_kafka = uuid.uuid4(), uuid.uuid4()
    async with UnitOfWork(pool, source="test") as uow:
        for dossier_id, code, connector in (
            (in_process, DOSSIER_CODE, None),
            (over_kafka, "PEETERS-K", "kafka"),
        ):
            await dossiers.insert(
                uow.conn,
                {
                    "id": dossier_id,
                    "office_id": OFFICE,
                    "name": "Bakkerij Peeters BV",
                    "vat_number": None,
                    "accounting_package": "beancount",
                    "dossier_code": code,
                    "configuration": "C",
                    "language": "nl",
                    "connector": connector,
                },
            )
    settings = SyncSettings(
        database_url=dsn,
        ledger_root=demo_root,
        nightly_sync=False,
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        run_consumers=False,
        run_outbox_relay=False,
    )
    # Activated: the books published once, as the dossier's first sync run.
    activation = DossierActivated(
        name="Bakkerij Peeters BV",
        accounting_package="beancount",
        dossier_code=DOSSIER_CODE,
        email_domain="docs.example",
    )
    async with UnitOfWork(pool, source="sync") as uow:
        await service_layer.on_dossier_activated(uow, envelope(activation, in_process), settings)
    app = create_app(definition, settings)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://sync") as http:
                yield World(http, pool, settings, in_process, over_kafka)
    finally:
        await pool.close()
        await infrastructure.postgres.drop_database(name)


async def test_the_office_deletes_a_booking_once_and_the_books_no_longer_have_it(
    world: World, demo_root: Path
) -> None:
    posting = await world.post()
    proposal_id = posting["proposal_id"]
    document = f"CFAAN/{posting['document_number']}"
    assert len(transactions_of(demo_root, proposal_id)) == 1
    runs_before = await world.pool.fetchval("SELECT count(*) FROM ledger_syncs")

    response = await world.delete(proposal_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["journal"], body["document_number"], body["reason"]) == (
        "deleted",
        "CFAAN",
        posting["document_number"],
        "wrong supplier",
    )
    assert transactions_of(demo_root, proposal_id) == []
    [deleted] = await world.outbox("booking.deleted.v1")
    assert deleted["proposal_id"] == str(proposal_id)
    assert deleted["document_id"] == str(posting["document_id"])
    assert (deleted["journal"], deleted["document_number"]) == ("CFAAN", posting["document_number"])
    assert (deleted["reason"], deleted["deleted_by"], deleted["already_deleted"]) == (
        "wrong supplier",
        "employee@office.example",
        False,
    )
    # The ledger delta since the activation's run: the open item gone.
    [delta] = await world.deltas()
    assert delta["full"] is False and delta["last_chunk"] is True
    assert document in delta["removed_open_items"]
    assert document not in {
        f"{item['journal']}/{item['document_number']}" for item in delta["open_item_records"]
    }
    run = await world.pool.fetchrow("SELECT * FROM ledger_syncs ORDER BY started_at DESC LIMIT 1")
    assert (run["trigger"], run["status"], run["requested_by"]) == (
        "deletion",
        "ok",
        "employee@office.example",
    )
    assert await world.pool.fetchval("SELECT count(*) FROM ledger_syncs") == runs_before + 1

    # Twice is once: the same answer, nothing new published, the ledger untouched.
    ledger_after = bookings_bytes(demo_root)
    again = await world.delete(proposal_id, reason="asked again")
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["reason"]) == ("deleted", "wrong supplier")
    assert len(await world.outbox("booking.deleted.v1")) == 1
    assert len(await world.deltas()) == 1
    assert bookings_bytes(demo_root) == ledger_after
    shown = await world.http.get(world.url(proposal_id), headers=world.headers())
    assert (shown.status_code, shown.json()["status"]) == (200, "deleted")
    listed = await world.http.get(
        f"/dossiers/{world.dossier}/postings", params={"status": "deleted"}, headers=world.headers()
    )
    assert [row["proposal_id"] for row in listed.json()] == [str(proposal_id)]

    # Corrected in the worklist and validated again: posted anew.
    event = envelope(proposal().model_copy(update={"proposal_id": proposal_id}), world.dossier)
    async with UnitOfWork(world.pool, source="sync") as uow:
        await service_layer.on_proposal_validated(uow, event, world.settings)
    assert len(transactions_of(demo_root, proposal_id)) == 1
    reposted = await world.http.get(world.url(proposal_id), headers=world.headers())
    assert reposted.json()["status"] == "posted"


async def test_who_may_delete_and_what_is_not_a_booking(world: World, demo_root: Path) -> None:
    posting = await world.post()
    proposal_id = posting["proposal_id"]
    before = bookings_bytes(demo_root)

    client = await world.delete(proposal_id, auth=world.headers(Role.CLIENT_ADMINISTRATOR))
    assert client.status_code == 403, client.text
    support = await world.delete(proposal_id, auth=world.headers(Role.SUPPORT))
    assert support.status_code == 403, support.text
    other_office = await world.delete(
        proposal_id, auth=world.headers(Role.ADMIN, OTHER_OFFICE, assigned=True)
    )
    assert other_office.status_code == 404
    assert other_office.json()["detail"] == f"dossier {world.dossier} not found"
    not_assigned = await world.delete(proposal_id, auth=world.headers(assigned=False))
    assert not_assigned.status_code == 404
    # The booking is the dossier's: through another dossier of the office it is unknown.
    elsewhere = await world.delete(proposal_id, dossier=world.kafka_dossier)
    assert elsewhere.status_code == 404, elsewhere.text
    unknown = uuid.uuid4()
    missing = await world.delete(unknown)
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        f"proposal {unknown} has no booking posted through the platform"
    )
    for reason in (None, "", "   "):
        refused = await world.delete(proposal_id, reason=reason)
        assert refused.status_code == 422, (reason, refused.text)

    # A proposal still on its way to the books is a conflict, not a deletion.
    waiting = uuid.uuid4()
    async with world.pool.acquire() as connection:
        await ledger.save_posting(
            connection,
            {
                "proposal_id": waiting,
                "office_id": OFFICE,
                "dossier_id": world.dossier,
                "status": "connector_unavailable",
                "reason": "the package did not answer",
            },
        )
    on_its_way = await world.delete(waiting)
    assert on_its_way.status_code == 409
    assert "on its way to the books (connector_unavailable)" in on_its_way.json()["detail"]

    assert bookings_bytes(demo_root) == before
    assert await world.outbox("booking.deleted.v1") == []
    assert (
        await world.pool.fetchval("SELECT status FROM postings WHERE proposal_id = $1", proposal_id)
    ) == "posted"


async def test_what_the_books_refuse_is_a_409_with_their_reason_and_writes_nothing(
    world: World, demo_root: Path
) -> None:
    posting = await world.post()
    books = BeancountConnector(demo_root)
    bank = next(b for b in books.snapshot(DOSSIER_CODE).bank_accounts if b.gl_account == "550000")
    books.journalise_payments(
        DOSSIER_CODE,
        (
            PaymentToJournalise(
                payment_id=uuid.uuid4(),
                paid_on=date(2026, 11, 28),
                bank_account_iban=bank.iban,
                counterparty_number="L0003",
                amount=Decimal("121.00"),
                settles_journal="CFAAN",
                settles_document_number=posting["document_number"],
            ),
        ),
    )
    before = bookings_bytes(demo_root)

    refused = await world.delete(posting["proposal_id"])

    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"booking CFAAN/{posting['document_number']} has payments; delete those first"
    )
    assert bookings_bytes(demo_root) == before
    row = await world.pool.fetchrow(
        "SELECT * FROM postings WHERE proposal_id = $1", posting["proposal_id"]
    )
    assert (row["status"], row["reason"]) == ("posted", None)
    assert await world.outbox("booking.deleted.v1") == []
    assert await world.deltas() == []


async def test_a_crash_between_the_ledger_write_and_the_commit_is_finished_once(
    world: World, demo_root: Path
) -> None:
    posting = await world.post()
    proposal_id = posting["proposal_id"]
    async with world.pool.acquire() as connection:
        dossier = await dossiers.get(connection, OFFICE, world.dossier)

    class Killed(Exception):
        pass

    # The ledger is written, then the process dies before its transaction commits.
    with pytest.raises(Killed):
        async with UnitOfWork(world.pool, source="sync") as uow:
            await service_layer.delete_booking(
                uow, dossier, proposal_id, "wrong supplier", "eva@office.example", world.settings
            )
            raise Killed
    assert transactions_of(demo_root, proposal_id) == []
    assert (await world.http.get(world.url(proposal_id), headers=world.headers())).json()[
        "status"
    ] == "posted"
    assert await world.outbox("booking.deleted.v1") == []

    retried = await world.delete(proposal_id)

    assert (retried.status_code, retried.json()["status"]) == (200, "deleted")
    [deleted] = await world.outbox("booking.deleted.v1")
    assert deleted["already_deleted"] is True
    [delta] = await world.deltas()
    assert f"CFAAN/{posting['document_number']}" in delta["removed_open_items"]


async def test_a_kafka_dossier_s_deletion_is_asked_of_its_connector_once(world: World) -> None:
    proposal_id = uuid.uuid4()
    async with world.pool.acquire() as connection:
        await ledger.save_posting(
            connection,
            {
                "proposal_id": proposal_id,
                "office_id": OFFICE,
                "dossier_id": world.kafka_dossier,
                "document_id": uuid.uuid4(),
                "status": "posted",
                "journal": "CFAAN",
                "document_number": "26000214",
                "period": "2026-11",
                "transaction_id": "CFAAN/26000214",
            },
        )

    for _ in range(2):
        response = await world.delete(proposal_id, dossier=world.kafka_dossier)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "delete_requested"

    [request] = await world.outbox("booking.delete-requested.v1")
    assert (request["dossier_code"], request["accounting_package"]) == ("PEETERS-K", "beancount")
    assert request["booking"]["proposal_id"] == str(proposal_id)
    assert (request["booking"]["journal"], request["booking"]["document_number"]) == (
        "CFAAN",
        "26000214",
    )
    assert request["booking"]["reason"] == "wrong supplier"
