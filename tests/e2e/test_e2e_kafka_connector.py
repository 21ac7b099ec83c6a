"""A dossier whose accounting package is reached over Kafka, against the running stack and the
reference connector (`sync kafka-connector`) as a process of its own, with its own database and
ledger folder: activated with `connector: kafka`, its books reach the worklist from the
connector's ledger.synced.v1; an invoice validated in the worklist goes out as
booking.requested.v1, is booked by the connector in its Beancount ledger and comes back
"booked" with its document number; what Beancount refuses comes back with Beancount's reason."""

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.auth import Role
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import Line, Party, generated_invoice
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE

from tests.e2e.helpers import bootstrap_of, eventually, read_topics, recognition, submit, upload

pytestmark = [pytest.mark.e2e]

SUPPLIER = Party("Van Hoorebeke Verpakkingen NV", "BE0715231874", "Gent")  # L0006 in the demo
CUSTOMER = Party("Bakkerij Peeters BV", "BE0123456749", "Antwerpen")


@dataclass(frozen=True)
class Connector:
    url: str
    ledger_root: Path
    process: subprocess.Popen[bytes]
    log_path: Path


@pytest.fixture(scope="module")
async def connector(
    stack: Stack, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Connector]:
    """The reference Kafka connector as its own process, started as `make run` starts it:
    migrated, serving, connected, with a ledger folder of its own."""
    assert stack.infrastructure is not None
    ledgers = tmp_path_factory.mktemp("kafka-connector") / "ledgers"
    started = await stack.start_kafka_connector(ledgers)
    process = started.process
    assert process is not None
    running = Connector(started.url, ledgers, process, started.log_path)
    try:
        async with httpx.AsyncClient(timeout=3) as http:

            async def ready() -> bool | None:
                assert process.poll() is None, started.log_path.read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(running.url + "/readyz")).status_code == 200:
                        return True
                return None

            await eventually(ready, timeout=90, what="the Kafka connector to be ready")
        yield running
    finally:
        await asyncio.to_thread(started.stop)
        stack.kafka_connector = None
        if os.environ.get("LEDGERLINE_SHOW_LOGS"):
            print(started.log_path.read_text())


def ledger_transaction(root: Path, code: str, proposal_id: str) -> bean_data.Transaction | None:
    entries, errors, _ = loader.load_file(str(root / code / "main.beancount"))
    assert errors == [], errors
    found = [
        entry
        for entry in entries
        if isinstance(entry, bean_data.Transaction) and entry.meta.get("proposal-id") == proposal_id
    ]
    assert len(found) <= 1, found
    return found[0] if found else None


def by_account(transaction: bean_data.Transaction) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for posting in transaction.postings:
        totals[posting.account] = totals.get(posting.account, Decimal(0)) + posting.units.number
    return totals


class Office:
    """The office admin's worklist and sync, the client's mailbox, for one dossier."""

    def __init__(self, stack: Stack, http: httpx.AsyncClient, dossier: uuid.UUID) -> None:
        self.stack, self.http, self.dossier = stack, http, dossier
        self.admin = {"Authorization": f"Bearer {stack.token()}"}
        self.client = {
            "Authorization": "Bearer "
            + stack.token(
                role=Role.CLIENT_ADMINISTRATOR, subject="ben@bakkerij.example", dossiers=[dossier]
            )
        }
        self.proposals = f"{stack.url('worklist')}/dossiers/{dossier}/proposals"

    async def deliver(self, number: str, issue_date: date, net: Decimal) -> dict[str, Any]:
        """A Peppol invoice of the supplier, recognised, submitted; its proposal."""
        invoice = generated_invoice(
            number,
            [Line("Dozen en verpakking", net)],
            supplier=SUPPLIER,
            customer=CUSTOMER,
            issue_date=issue_date,
            due_date=date(issue_date.year, 12, 31),
        )
        document = await upload(
            self.http, self.stack, self.dossier, invoice.xml, self.client, mailbox="purchase"
        )
        await recognition(self.http, self.stack, self.dossier, document["id"], self.client)
        await submit(self.http, self.stack, self.dossier, document["id"], self.client)

        async def proposal() -> dict[str, Any] | None:
            response = await self.http.get(self.proposals, headers=self.admin)
            assert response.status_code == 200, response.text
            mine = [p for p in response.json() if p["document_id"] == document["id"]]
            return mine[0] if mine else None

        return await eventually(proposal, timeout=60, what=f"the proposal of {number}")

    async def check_and_send(self, proposal_id: str) -> None:
        checked = await self.http.post(f"{self.proposals}/{proposal_id}/check", headers=self.admin)
        assert checked.status_code == 200, checked.text
        sent = await self.http.post(f"{self.proposals}/{proposal_id}/send", headers=self.admin)
        assert sent.status_code == 200, sent.text

    async def until_status(self, proposal_id: str, *statuses: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            response = await self.http.get(f"{self.proposals}/{proposal_id}", headers=self.admin)
            assert response.status_code == 200, response.text
            proposal: dict[str, Any] = response.json()
            return proposal if proposal["status"] in statuses else None

        return await eventually(reached, timeout=90, what=f"proposal {proposal_id} {statuses}")

    async def posting(self, proposal_id: str, status: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            response = await self.http.get(
                f"{self.stack.url('sync')}/dossiers/{self.dossier}/postings", headers=self.admin
            )
            assert response.status_code == 200, response.text
            mine = [p for p in response.json() if p["proposal_id"] == proposal_id]
            return mine[0] if mine and mine[0]["status"] == status else None

        return await eventually(found, timeout=30, what=f"sync's posting {status}")


async def test_a_kafka_connected_dossier_is_booked_by_the_external_connector(
    stack: Stack, connector: Connector
) -> None:
    code = f"KAFKA-{uuid.uuid4().hex[:6].upper()}"
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, connector.ledger_root / code)
    dossier = uuid.uuid4()
    async with httpx.AsyncClient(timeout=20) as http:
        office = Office(stack, http, dossier)
        activated = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(dossier),
                "name": "Bakkerij Peeters (Kafka)",
                "accounting_package": "beancount",
                "dossier_code": code,
                "connector": "kafka",
            },
            headers=office.admin,
        )
        assert activated.status_code == 201, activated.text
        assert activated.json()["connector"] == "kafka"
        await stack.wait_for_dossier(dossier)

        # The books came from the connector, not from sync (which has no ledger for the code).
        async def books_known() -> list[dict[str, Any]] | None:
            response = await http.get(
                f"{stack.url('worklist')}/dossiers/{dossier}/ledger/counterparties",
                params={"vat_number": SUPPLIER.vat},
                headers=office.admin,
            )
            return response.json() or None if response.status_code == 200 else None

        [supplier] = await eventually(books_known, timeout=60, what="the connector's books")
        assert supplier["number"] == "L0006"
        assert not (stack.ledger_root / code).exists()

        # The run is recorded when its last chunk arrives: the feedback records (turnover, GL
        # totals, item histories) follow the counterparties the worklist has already taken.
        async def connector_runs() -> list[tuple[str, str, bool]] | None:
            response = await http.get(
                f"{stack.url('sync')}/dossiers/{dossier}/syncs", headers=office.admin
            )
            runs = [(r["trigger"], r["status"], r["full_resync"]) for r in response.json()]
            return runs or None

        assert await eventually(connector_runs, timeout=60, what="the connector's run") == [
            ("connector", "ok", True)
        ]

        # Validated in the worklist -> booking.requested.v1 -> the connector -> booked.
        tag = uuid.uuid4().hex[:6].upper()
        proposal = await office.deliver(f"VH-{tag}", date(2026, 11, 20), Decimal("1000.00"))
        assert (proposal["status"], proposal["counterparty_number"]) == ("ok", "L0006")
        assert [(line["gl_account"], line["vat_code"]) for line in proposal["detail_lines"]] == [
            ("604000", "A21")
        ]
        await office.check_and_send(proposal["id"])
        booked = await office.until_status(proposal["id"], "booked")
        assert re.fullmatch(r"26000\d{3}", booked["document_number"]), booked
        assert booked["booking_error"] is None
        transaction = ledger_transaction(connector.ledger_root, code, proposal["id"])
        assert transaction is not None
        assert transaction.meta["document-number"] == booked["document_number"]
        assert transaction.meta["journal"] == "CFAAN"
        assert by_account(transaction) == {
            "Expenses:604000": Decimal("1000.00"),
            "Assets:411000": Decimal("210.00"),
            "Liabilities:440000": Decimal("-1210.00"),
        }
        posting = await office.posting(proposal["id"], "posted")
        assert (posting["journal"], posting["document_number"]) == (
            "CFAAN",
            booked["document_number"],
        )

        # On Kafka: one request by sync, one answer by the connector, and the books' delta.
        messages = await read_topics(
            bootstrap_of(stack),
            "booking.requested.v1",
            "booking.posted.v1",
            "ledger.synced.v1",
            keep=lambda m: m.envelope["dossierid"] == str(dossier),
            quiet_polls=3,
        )
        requests = [m for m in messages if m.topic == "booking.requested.v1"]
        assert [m.data["booking"]["proposal_id"] for m in requests] == [proposal["id"]]
        assert requests[0].envelope["source"] == "/ledgerline/sync"
        assert requests[0].data["dossier_code"] == code
        [answer] = [m for m in messages if m.topic == "booking.posted.v1"]
        assert answer.envelope["source"] == "/ledgerline/beancount-connector"
        assert answer.data["document_number"] == booked["document_number"]
        deltas = [
            m for m in messages if m.topic == "ledger.synced.v1" and m.data.get("full") is False
        ]
        assert [
            [f"{i['journal']}/{i['document_number']}" for i in m.data["open_item_records"]]
            for m in deltas
        ] == [[f"CFAAN/{booked['document_number']}"]]

        # What Beancount refuses comes back with its reason: the office closed 604000 in the
        # package after the books reached the platform.
        with (connector.ledger_root / code / "chart.beancount").open("a") as chart:
            chart.write("\n2026-11-28 close Expenses:604000\n")
        refused = await office.deliver(f"VH-{tag}-2", date(2026, 11, 29), Decimal("80.00"))
        assert refused["status"] == "ok", refused
        await office.check_and_send(refused["id"])
        back = await office.until_status(refused["id"], "checked", "ok")
        assert "Invalid reference to inactive account 'Expenses:604000'" in back["booking_error"]
        assert ledger_transaction(connector.ledger_root, code, refused["id"]) is None
        failed = await office.posting(refused["id"], "failed")
        assert "inactive account 'Expenses:604000'" in failed["reason"]

        # A manual sync of the dossier is a run of its connector (ledger.sync-requested.v1):
        # a delta since the activation's run brings the account closed in the package and the
        # booking's open item, and sync's run goes from requested to ok.
        synced = await http.post(
            f"{stack.url('sync')}/dossiers/{dossier}/sync",
            json={"full": False, "up_to_date_until": "2026-11-30"},
            headers=office.admin,
        )
        assert synced.status_code == 202, synced.text
        run = synced.json()
        assert (run["trigger"], run["status"], run["full_resync"]) == ("manual", "requested", False)

        async def run_done() -> dict[str, Any] | None:
            response = await http.get(
                f"{stack.url('sync')}/dossiers/{dossier}/syncs", headers=office.admin
            )
            mine = [r for r in response.json() if r["id"] == run["id"]]
            return mine[0] if mine and mine[0]["status"] == "ok" else None

        done = await eventually(run_done, timeout=60, what="the connector's run of the manual sync")
        assert (done["trigger"], done["full_resync"]) == ("manual", False)
        [request] = [
            m
            for m in await read_topics(
                bootstrap_of(stack),
                "ledger.sync-requested.v1",
                keep=lambda m: m.envelope["dossierid"] == str(dossier),
                quiet_polls=3,
            )
        ]
        assert request.envelope["source"] == "/ledgerline/sync"
        assert (request.data["sync_id"], request.data["dossier_code"]) == (run["id"], code)
        chunks = await read_topics(
            bootstrap_of(stack),
            "ledger.synced.v1",
            keep=lambda m: m.data.get("sync_id") == run["id"],
            quiet_polls=3,
        )
        assert {m.envelope["source"] for m in chunks} == {"/ledgerline/beancount-connector"}
        assert [(m.data["full"], m.data["up_to_date_until"]) for m in chunks] == [
            (False, "2026-11-30")
        ]
        assert [(a["code"], a["active"]) for a in chunks[0].data["gl_accounts"]] == [
            ("604000", False)
        ]
        assert f"CFAAN/{booked['document_number']}" in [
            f"{i['journal']}/{i['document_number']}" for i in chunks[0].data["open_item_records"]
        ]

        async def account_closed() -> bool | None:
            response = await http.get(
                f"{stack.url('worklist')}/dossiers/{dossier}/ledger/accounts", headers=office.admin
            )
            accounts = {a["code"]: a for a in response.json()}
            return True if accounts["604000"]["active"] is False else None

        await eventually(account_closed, timeout=30, what="the worklist to learn 604000 closed")
