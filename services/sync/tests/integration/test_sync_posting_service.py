"""Sync's handlers on the real PostgreSQL (its own migrations) and a copy of the demo ledger:
activation publishes the ledger in chunks through the outbox; a posting is recorded with its
outcome; a package that is down is retried and visible meanwhile. The `world` (sync's database,
the demo ledger, the office) is the integration tests' conftest's."""

import uuid
from datetime import date
from typing import Any

import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import DossierUpdated
from sync import service_layer
from sync.adapters import dossiers
from sync.connectors.contract import ConnectorUnavailable, LedgerSnapshot
from sync.connectors.demo.generate import DOSSIER_CODE

from services.sync.tests.integration.world import World

pytestmark = [pytest.mark.integration]


class PackageDown:
    """A connector whose package cannot be reached (the network is down)."""

    name = "down"

    def snapshot(self, dossier_code: str) -> LedgerSnapshot:
        raise ConnectorUnavailable("the package did not answer: connection refused")

    def post_booking(self, dossier_code: str, booking: Any) -> Any:
        raise AssertionError("never reached")


async def test_activation_publishes_the_ledger_through_the_outbox_and_records_the_run(
    world: World,
) -> None:
    dossier_id = await world.dossier()
    await world.activate(dossier_id)

    [run] = await world.pool.fetch("SELECT * FROM ledger_syncs WHERE dossier_id = $1", dossier_id)
    assert (run["status"], run["trigger"], run["full_resync"]) == ("ok", "activation", True)
    messages = await world.outbox("ledger.synced.v1")
    assert len(messages) == run["chunks"] == 1
    data = messages[0]["data"]
    assert data["sync_id"] == str(run["id"]) and data["last_chunk"] is True
    assert len(data["counterparty_records"]) == run["counterparties"] >= 20
    assert len(data["open_item_records"]) == run["open_items"] > 0


async def test_a_package_that_is_down_is_retried_and_visible_then_posted_once(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier_id = await world.dossier()
    proposal = world.proposal()
    real_connector_for = service_layer.connector_for
    monkeypatch.setattr(service_layer, "connector_for", lambda package, root: PackageDown())

    for _ in range(2):  # the consumer's attempts
        with pytest.raises(ConnectorUnavailable):
            await world.validate(dossier_id, proposal)

    waiting = await world.pool.fetchrow(
        "SELECT * FROM postings WHERE proposal_id = $1", proposal.proposal_id
    )
    assert (waiting["status"], waiting["attempts"]) == ("connector_unavailable", 2)
    assert waiting["reason"] == "the package did not answer: connection refused"
    assert await world.outbox("booking.posted.v1") == []
    assert await world.outbox("booking.failed.v1") == []

    monkeypatch.setattr(service_layer, "connector_for", real_connector_for)
    posted = await world.post(dossier_id, proposal)

    assert (posted["status"], posted["journal"], posted["reason"]) == ("posted", "CFAAN", None)
    [message] = await world.outbox("booking.posted.v1")
    assert message["data"]["document_number"] == posted["document_number"]
    assert message["data"]["transaction_id"] == f"CFAAN/{posted['document_number']}"


async def test_the_nightly_sync_runs_once_a_day_over_the_connected_dossiers(
    world: World,
) -> None:
    from sync.scheduler import run_nightly

    dossier_id = await world.dossier()
    async with UnitOfWork(
        world.pool, source="test"
    ) as uow:  # a package without in-process connector
        await dossiers.insert(
            uow.conn,
            {
                "id": uuid.uuid4(),
                "office_id": world.office,
                "name": "Garage Janssens",
                "vat_number": None,
                "accounting_package": "exact",
                "dossier_code": "JANS",
                "configuration": "C",
                "language": "nl",
            },
        )

    assert await run_nightly(world.pool, world.settings, date(2026, 12, 1)) == 1
    assert (
        await run_nightly(world.pool, world.settings, date(2026, 12, 1)) is None
    )  # another process had it
    runs = await world.pool.fetch("SELECT dossier_id, trigger, status FROM ledger_syncs")
    assert [tuple(run) for run in runs] == [(dossier_id, "nightly", "ok")]
    assert len(await world.outbox("ledger.synced.v1")) == 1


async def test_the_nightly_sync_leaves_out_dossiers_whose_nightly_sync_is_off(
    world: World,
) -> None:
    from sync.scheduler import run_nightly

    nightly = await world.dossier()
    async with UnitOfWork(world.pool, source="test") as uow:
        await dossiers.insert(
            uow.conn,
            {
                "id": uuid.uuid4(),
                # Another office's dossier of the same ledger: one office activates a code once.
                "office_id": uuid.uuid4(),
                "name": "Bakkerij Peeters, no nightly sync",
                "vat_number": None,
                "accounting_package": "beancount",
                "dossier_code": DOSSIER_CODE,
                "configuration": "C",
                "language": "nl",
                "nightly_sync": False,
            },
        )

    assert await run_nightly(world.pool, world.settings, date(2026, 12, 2)) == 1
    runs = await world.pool.fetch("SELECT dossier_id FROM ledger_syncs")
    assert [run["dossier_id"] for run in runs] == [nightly]


async def test_a_delta_run_publishes_only_what_changed_since_the_previous_run(
    world: World,
) -> None:
    dossier_id = await world.dossier()
    async with UnitOfWork(world.pool, source="test") as uow:
        row = await dossiers.get(uow.conn, world.office, dossier_id)
        full = await service_layer.synchronise(uow, row, world.settings, trigger="manual")
    async with UnitOfWork(world.pool, source="test") as uow:
        quiet = await service_layer.synchronise(
            uow, row, world.settings, trigger="manual", full=False
        )
    assert (full["full_resync"], quiet["full_resync"], quiet["chunks"]) == (True, False, 1)
    messages = [m["data"] for m in await world.outbox("ledger.synced.v1")]
    last = [m for m in messages if m["sync_id"] == str(quiet["id"])]
    assert len(last) == 1
    assert (last[0]["counterparty_records"], last[0]["open_item_records"]) == ([], [])
    assert last[0]["counterparties"] == full["counterparties"]


async def test_only_a_change_of_the_dossier_s_books_resynchronises_it(
    world: World,
) -> None:
    """A manual sync's settings or a switched option are no reason to publish the ledger again;
    a new dossier code is, and so is an update that does not say what changed (older form)."""
    dossier_id = await world.dossier()

    def updated(changed: tuple[str, ...] | None) -> DossierUpdated:
        return DossierUpdated(
            name="Bakkerij Peeters BV",
            accounting_package="beancount",
            dossier_code=DOSSIER_CODE,
            email_domain="docs.example",
            changed=changed,
        )

    for changed in [("nightly_sync",), ("active_period", "books_up_to_date_until")]:
        async with UnitOfWork(world.pool, source="sync") as uow:
            await service_layer.on_dossier_updated(
                uow, world.envelope(updated(changed), dossier_id), world.settings
            )
    assert await world.pool.fetchval("SELECT count(*) FROM ledger_syncs") == 0
    for changed in [("dossier_code", "name"), None]:
        async with UnitOfWork(world.pool, source="sync") as uow:
            await service_layer.on_dossier_updated(
                uow, world.envelope(updated(changed), dossier_id), world.settings
            )
    runs = await world.pool.fetch("SELECT trigger FROM ledger_syncs")
    assert [run["trigger"] for run in runs] == ["change", "change"]
