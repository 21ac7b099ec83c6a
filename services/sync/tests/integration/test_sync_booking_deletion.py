"""Deleting a booking Ledgerline posted, through sync's HTTP API on the real PostgreSQL and a
copy of the demo ledger (no Kafka: what is published is read from the outbox).

The office deletes a proposal's booking: the transaction leaves the Beancount ledger (which
Beancount still loads without errors), booking.deleted.v1 and a ledger.synced.v1 delta without
the open item go out, once however often it is asked; what the books refuse is a 409 with their
reason and writes nothing; a crash between the ledger write and the commit is finished by the
next request."""

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork
from ledgerline.demo import JWT_ISSUER
from ledgerline.settings import DEV_JWT_SECRET
from sync import service_layer
from sync.adapters import dossiers, ledger
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import PaymentToJournalise
from sync.connectors.demo.generate import DOSSIER_CODE

from services.sync.tests.integration.world import World

pytestmark = [pytest.mark.integration]

OTHER_OFFICE = uuid.uuid4()


@dataclass
class Api:
    """Sync's HTTP API on the world's database, the office's two dossiers: the demo ledger's
    (in-process connector, activated) and one connected over Kafka."""

    http: httpx.AsyncClient
    world: World
    dossier: uuid.UUID
    kafka_dossier: uuid.UUID

    def headers(
        self,
        role: Role = Role.EMPLOYEE,
        office: uuid.UUID | None = None,
        *,
        assigned: bool = True,
    ) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject=f"{role.value}@office.example",
            office_id=office or self.world.office,
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
        """A proposal validated and posted to the demo ledger: its posting."""
        return await self.world.post(self.dossier)

    async def published(self, topic: str) -> list[dict[str, Any]]:
        """The data of the events of `topic` in sync's outbox, oldest first."""
        return [message["data"] for message in await self.world.outbox(topic)]

    async def deltas(self) -> list[dict[str, Any]]:
        """The ledger.synced.v1 deltas (the activation's full run left out)."""
        return [data for data in await self.published("ledger.synced.v1") if not data["full"]]


@pytest.fixture
async def api(world: World) -> AsyncIterator[Api]:
    in_process = await world.dossier()
    over_kafka = await world.dossier(dossier_code="PEETERS-K", connector="kafka")
    # Activated: the books published once, as the dossier's first sync run.
    await world.activate(in_process)
    async with world.http() as http:
        yield Api(http, world, in_process, over_kafka)


async def test_the_office_deletes_a_booking_once_and_the_books_no_longer_have_it(
    world: World, api: Api
) -> None:
    posting = await api.post()
    proposal_id = posting["proposal_id"]
    document = f"CFAAN/{posting['document_number']}"
    assert len(world.transactions("proposal-id", proposal_id)) == 1
    runs_before = await world.pool.fetchval("SELECT count(*) FROM ledger_syncs")

    response = await api.delete(proposal_id)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["journal"], body["document_number"], body["reason"]) == (
        "deleted",
        "CFAAN",
        posting["document_number"],
        "wrong supplier",
    )
    assert world.transactions("proposal-id", proposal_id) == []
    [deleted] = await api.published("booking.deleted.v1")
    assert deleted["proposal_id"] == str(proposal_id)
    assert deleted["document_id"] == str(posting["document_id"])
    assert (deleted["journal"], deleted["document_number"]) == ("CFAAN", posting["document_number"])
    assert (deleted["reason"], deleted["deleted_by"], deleted["already_deleted"]) == (
        "wrong supplier",
        "employee@office.example",
        False,
    )
    # The ledger delta since the activation's run: the open item gone.
    [delta] = await api.deltas()
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
    ledger_after = world.bookings()
    again = await api.delete(proposal_id, reason="asked again")
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["reason"]) == ("deleted", "wrong supplier")
    assert len(await api.published("booking.deleted.v1")) == 1
    assert len(await api.deltas()) == 1
    assert world.bookings() == ledger_after
    shown = await api.http.get(api.url(proposal_id), headers=api.headers())
    assert (shown.status_code, shown.json()["status"]) == (200, "deleted")
    listed = await api.http.get(
        f"/dossiers/{api.dossier}/postings", params={"status": "deleted"}, headers=api.headers()
    )
    assert [row["proposal_id"] for row in listed.json()] == [str(proposal_id)]

    # Corrected in the worklist and validated again: posted anew.
    await world.validate(api.dossier, world.proposal(proposal_id=proposal_id))
    assert len(world.transactions("proposal-id", proposal_id)) == 1
    reposted = await api.http.get(api.url(proposal_id), headers=api.headers())
    assert reposted.json()["status"] == "posted"


async def test_who_may_delete_and_what_is_not_a_booking(world: World, api: Api) -> None:
    posting = await api.post()
    proposal_id = posting["proposal_id"]
    before = world.bookings()

    client = await api.delete(proposal_id, auth=api.headers(Role.CLIENT_ADMINISTRATOR))
    assert client.status_code == 403, client.text
    support = await api.delete(proposal_id, auth=api.headers(Role.SUPPORT))
    assert support.status_code == 403, support.text
    other_office = await api.delete(
        proposal_id, auth=api.headers(Role.ADMIN, OTHER_OFFICE, assigned=True)
    )
    assert other_office.status_code == 404
    assert other_office.json()["detail"] == f"dossier {api.dossier} not found"
    not_assigned = await api.delete(proposal_id, auth=api.headers(assigned=False))
    assert not_assigned.status_code == 404
    # The booking is the dossier's: through another dossier of the office it is unknown.
    elsewhere = await api.delete(proposal_id, dossier=api.kafka_dossier)
    assert elsewhere.status_code == 404, elsewhere.text
    unknown = uuid.uuid4()
    missing = await api.delete(unknown)
    assert missing.status_code == 404
    assert missing.json()["detail"] == (
        f"proposal {unknown} has no booking posted through the platform"
    )
    for reason in (None, "", "   "):
        refused = await api.delete(proposal_id, reason=reason)
        assert refused.status_code == 422, (reason, refused.text)

    # A proposal still on its way to the books is a conflict, not a deletion.
    waiting = uuid.uuid4()
    async with world.pool.acquire() as connection:
        await ledger.save_posting(
            connection,
            {
                "proposal_id": waiting,
                "office_id": world.office,
                "dossier_id": api.dossier,
                "status": "connector_unavailable",
                "reason": "the package did not answer",
            },
        )
    on_its_way = await api.delete(waiting)
    assert on_its_way.status_code == 409
    assert "on its way to the books (connector_unavailable)" in on_its_way.json()["detail"]

    assert world.bookings() == before
    assert await api.published("booking.deleted.v1") == []
    assert (
        await world.pool.fetchval("SELECT status FROM postings WHERE proposal_id = $1", proposal_id)
    ) == "posted"


async def test_what_the_books_refuse_is_a_409_with_their_reason_and_writes_nothing(
    world: World, api: Api
) -> None:
    posting = await api.post()
    books = BeancountConnector(world.settings.ledger_root)
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
    before = world.bookings()

    refused = await api.delete(posting["proposal_id"])

    assert refused.status_code == 409, refused.text
    assert refused.json()["detail"] == (
        f"booking CFAAN/{posting['document_number']} has payments; delete those first"
    )
    assert world.bookings() == before
    row = await world.pool.fetchrow(
        "SELECT * FROM postings WHERE proposal_id = $1", posting["proposal_id"]
    )
    assert (row["status"], row["reason"]) == ("posted", None)
    assert await api.published("booking.deleted.v1") == []
    assert await api.deltas() == []


async def test_a_crash_between_the_ledger_write_and_the_commit_is_finished_once(
    world: World, api: Api
) -> None:
    posting = await api.post()
    proposal_id = posting["proposal_id"]
    async with world.pool.acquire() as connection:
        dossier = await dossiers.get(connection, world.office, api.dossier)

    class Killed(Exception):
        pass

    # The ledger is written, then the process dies before its transaction commits.
    with pytest.raises(Killed):
        async with UnitOfWork(world.pool, source="sync") as uow:
            await service_layer.delete_booking(
                uow, dossier, proposal_id, "wrong supplier", "eva@office.example", world.settings
            )
            raise Killed
    assert world.transactions("proposal-id", proposal_id) == []
    assert (await api.http.get(api.url(proposal_id), headers=api.headers())).json()[
        "status"
    ] == "posted"
    assert await api.published("booking.deleted.v1") == []

    retried = await api.delete(proposal_id)

    assert (retried.status_code, retried.json()["status"]) == (200, "deleted")
    [deleted] = await api.published("booking.deleted.v1")
    assert deleted["already_deleted"] is True
    [delta] = await api.deltas()
    assert f"CFAAN/{posting['document_number']}" in delta["removed_open_items"]


async def test_a_kafka_dossier_s_deletion_is_asked_of_its_connector_once(
    world: World, api: Api
) -> None:
    proposal_id = uuid.uuid4()
    async with world.pool.acquire() as connection:
        await ledger.save_posting(
            connection,
            {
                "proposal_id": proposal_id,
                "office_id": world.office,
                "dossier_id": api.kafka_dossier,
                "document_id": uuid.uuid4(),
                "status": "posted",
                "journal": "CFAAN",
                "document_number": "26000214",
                "period": "2026-11",
                "transaction_id": "CFAAN/26000214",
            },
        )

    for _ in range(2):
        response = await api.delete(proposal_id, dossier=api.kafka_dossier)
        assert response.status_code == 202, response.text
        assert response.json()["status"] == "delete_requested"

    [request] = await api.published("booking.delete-requested.v1")
    assert (request["dossier_code"], request["accounting_package"]) == ("PEETERS-K", "beancount")
    assert request["booking"]["proposal_id"] == str(proposal_id)
    assert (request["booking"]["journal"], request["booking"]["document_number"]) == (
        "CFAAN",
        "26000214",
    )
    assert request["booking"]["reason"] == "wrong supplier"
