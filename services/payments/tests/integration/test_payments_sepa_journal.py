"""Journalising a SEPA file's payments, over HTTP on the real PostgreSQL with its migrations:
refused (409) until the file went to the bank (downloaded or e-mailed), then each payment still
in processing is paid and gets payment.settled.v1 (settled_by payment) in the outbox, on the
file's execution date; twice is once; 404 for an unknown file or another office; 403 for a
client (the office journalises)."""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.dossiers import record
from ledgerline.events import (
    BookingPosted,
    EventData,
    LedgerBankAccount,
    LedgerSynced,
    OpenItem,
    SettledItem,
)
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.subscriptions import TakesMany
from ledgerline.testing.databases import MigratedDatabases
from ledgerline.testing.events import envelope, invoice_read, pdf_received
from ledgerline.testing.http import TaskPerRequestTransport
from ledgerline.testing.pain002 import Block, Reason, Report, Transaction, status_report
from payments import event_handlers
from payments.adapters import repository
from payments.bootstrap import definition
from payments.config import PaymentsSettings
from payments.domain.sepa_journal import file_transactions

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
KBC = "BE20734384076256"


def token(role: Role, office: uuid.UUID = OFFICE) -> dict[str, str]:
    value = issue_token(
        secret=DEV_JWT_SECRET,
        subject=f"{role.value}@office.example",
        office_id=office,
        role=role,
        dossiers=[DOSSIER],
        issuer=JWT_ISSUER,
    )
    return {"Authorization": f"Bearer {value}"}


ADMIN = token(Role.ADMIN)


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    base: str = f"/dossiers/{DOSSIER}"

    async def handle(self, handler: Any, data: EventData) -> None:
        async with UnitOfWork(self.pool, source="payments") as uow:
            await handler(uow, envelope(data, OFFICE, DOSSIER, at=T0))

    async def booked_invoice(self, number: str, document_number: str) -> uuid.UUID:
        """A purchase invoice received, recognised, posted and its open item synchronised."""
        document = uuid.uuid4()
        await self.handle(event_handlers.on_ledger_synced, LedgerSynced(
            synced_at=T0, sync_id=uuid.uuid4(), full=False, open_item_records=(OpenItem(
                kind="supplier", journal="CFAAN", document_number=document_number,
                counterparty_number="L0004", invoice_number=number,
                invoice_date=date(2026, 11, 20), amount=Decimal("121.00"),
                amount_paid=Decimal("0"),
            ),),
            bank_accounts=(LedgerBankAccount(
                iban=KBC, holder_name="Bakkerij Peeters", town="Gent", country="BE"),),
        ))  # fmt: skip
        await self.handle(
            TakesMany(event_handlers.on_documents_received), pdf_received(document, T0)
        )
        await self.handle(TakesMany(event_handlers.on_documents_recognized), invoice_read(
            document, "Molens Dedeyne", Decimal("121.00"), iban="BE71096123456769",
            invoice_number=number,
        ))  # fmt: skip
        await self.handle(event_handlers.on_booking_posted, BookingPosted(
            proposal_id=uuid.uuid4(), document_id=document, journal="CFAAN",
            document_number=document_number, posted_at=T0,
        ))  # fmt: skip
        return document

    async def sepa_file(self, *documents: uuid.UUID) -> dict[str, Any]:
        [kbc] = [
            a
            for a in (await self.http.get(f"{self.base}/bank-accounts", headers=ADMIN)).json()
            if a["iban"] == KBC
        ]
        ids = []
        for document in documents:
            made = await self.http.post(
                f"{self.base}/payments",
                json={"document_id": str(document), "bank_account_id": kbc["id"]},
                headers=ADMIN,
            )
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
        file = await self.http.post(
            f"{self.base}/sepa-files", json={"payment_ids": ids}, headers=ADMIN
        )
        assert file.status_code == 201, file.text
        assert file.json()["status"] == "generated"
        return file.json()  # type: ignore[no-any-return]

    async def settled_events(self) -> list[dict[str, Any]]:
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE topic = 'payment.settled.v1' ORDER BY id"
        )
        return [json.loads(r["payload"])["data"] for r in rows]

    async def payments(self) -> dict[str, dict[str, Any]]:
        listed = (await self.http.get(f"{self.base}/payments", headers=ADMIN)).json()
        return {p["id"]: p for p in listed}


@pytest.fixture
async def world(migrated_databases: MigratedDatabases) -> AsyncIterator[World]:
    async with migrated_databases.database(definition().versions_dir) as url:
        pool = await create_pool(url)
        try:
            async with pool.acquire() as conn:
                await record(
                    conn, dossier_id=DOSSIER, office_id=OFFICE, name="Bakkerij Peeters",
                    email_domain=None, active=True, as_of=T0,
                )  # fmt: skip
            settings = PaymentsSettings(
                database_url=url,
                kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
                run_consumers=False,
                run_outbox_relay=False,
            )
            app = create_app(definition(), settings)
            async with app.router.lifespan_context(app):
                transport = TaskPerRequestTransport(app=app)
                async with httpx.AsyncClient(
                    transport=transport, base_url="http://payments"
                ) as http:
                    yield World(http, pool)
        finally:
            await pool.close()


async def test_a_file_sent_to_the_bank_is_journalised_once_on_its_execution_date(
    world: World,
) -> None:
    document = await world.booked_invoice("I-2026-7", "26000090")
    file = await world.sepa_file(document)
    journalise = f"{world.base}/sepa-files/{file['id']}/journalise"
    [payment_id] = [p for p, row in (await world.payments()).items() if row["sepa_file_id"]]

    # Not downloaded nor e-mailed: its payments may not be made yet. Nothing is written.
    refused = await world.http.post(journalise, headers=ADMIN)
    assert refused.status_code == 409
    assert refused.json()["detail"] == (
        f"SEPA file {file['id']} has not been sent to the bank yet: download it or e-mail it "
        "to the bank first, then journalise its payments"
    )
    assert await world.settled_events() == []
    payment = (await world.payments())[payment_id]
    assert (payment["status"], payment["journalised_at"]) == ("in_processing", None)

    downloaded = await world.http.get(
        f"{world.base}/sepa-files/{file['id']}/content", headers=ADMIN
    )
    assert downloaded.status_code == 200
    shown = (await world.http.get(f"{world.base}/sepa-files/{file['id']}", headers=ADMIN)).json()
    assert shown["status"] == "sent_to_bank" and shown["downloaded_by"] == "admin@office.example"
    first_download = shown["downloaded_at"]
    await world.http.get(f"{world.base}/sepa-files/{file['id']}/content", headers=ADMIN)
    again = (await world.http.get(f"{world.base}/sepa-files/{file['id']}", headers=ADMIN)).json()
    assert again["downloaded_at"] == first_download  # the first download is when it was sent

    done = await world.http.post(journalise, headers=ADMIN)
    assert done.status_code == 200, done.text
    body = done.json()
    assert (body["status"], body["journalised_by"]) == ("journalised", "admin@office.example")
    [paid] = body["payments"]
    assert (paid["id"], paid["status"]) == (payment_id, "paid")
    assert paid["journalised_at"] is not None
    assert paid["status_reason"] == f"paid by SEPA file {file['message_id']}, journalised"

    [data] = await world.settled_events()
    assert (data["payment_id"], data["amount"], data["currency"]) == (payment_id, "121.00", "EUR")
    assert (data["settled_by"], data["kind"]) == ("payment", "supplier")
    # The day the file asked the bank to pay (today: the execution date was not given).
    assert data["settled_on"] == paid["execution_date"]
    assert data["bank_account_iban"] == KBC
    assert (data["settles_journal"], data["settles_document_number"]) == ("CFAAN", "26000090")
    assert data["counterparty_number"] == "L0004"

    # Twice is once: the same answer, no second event.
    twice = await world.http.post(journalise, headers=ADMIN)
    assert twice.status_code == 200 and twice.json() == body
    assert len(await world.settled_events()) == 1

    # Sync journalised it and its delta settles the item naming the payment: nothing more.
    await world.handle(event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, sync_id=uuid.uuid4(), full=False, removed_open_items=("CFAAN/26000090",),
        settled_items=(SettledItem(
            invoice_number="I-2026-7", amount=Decimal("121.00"),
            settled_on=date.fromisoformat(data["settled_on"]), payment_id=uuid.UUID(payment_id),
        ),),
    ))  # fmt: skip
    assert len(await world.settled_events()) == 1
    assert (await world.payments())[payment_id]["status"] == "paid"


async def test_an_emailed_file_is_journalised_except_what_the_books_settled_already(
    world: World,
) -> None:
    first = await world.booked_invoice("I-2026-8", "26000091")
    second = await world.booked_invoice("I-2026-9", "26000092")
    file = await world.sepa_file(first, second)
    by_document = {p["document_id"]: p for p in (await world.payments()).values()}
    # The books settled the first invoice before the office journalised the run.
    await world.handle(event_handlers.on_ledger_synced, LedgerSynced(
        synced_at=T0, settled_items=(SettledItem(
            invoice_number="I-2026-8", amount=Decimal("121.00"), settled_on=date(2026, 12, 2),
        ),),
    ))  # fmt: skip
    async with UnitOfWork(world.pool, source="payments") as uow:
        # What the e-mail route records once the mail server took the file.
        await repository.record_email(
            uow.conn, uuid.uuid4(), uuid.UUID(file["id"]), "bank@bank.example", "eva"
        )
    shown = (await world.http.get(f"{world.base}/sepa-files/{file['id']}", headers=ADMIN)).json()
    assert shown["status"] == "sent_to_bank" and shown["emailed_at"] is not None

    done = await world.http.post(f"{world.base}/sepa-files/{file['id']}/journalise", headers=ADMIN)
    assert done.status_code == 200, done.text
    statuses = {p["document_id"]: (p["status"], p["journalised_at"] is not None)
                for p in done.json()["payments"]}  # fmt: skip
    assert statuses == {str(first): ("paid", False), str(second): ("paid", True)}
    events = await world.settled_events()
    assert [(e["payment_id"], e["settled_by"]) for e in events] == [
        (by_document[str(first)]["id"], "books"),
        (by_document[str(second)]["id"], "payment"),
    ]


async def test_unknown_files_other_offices_and_clients_are_refused(world: World) -> None:
    document = await world.booked_invoice("I-2026-10", "26000093")
    file = await world.sepa_file(document)
    await world.http.get(f"{world.base}/sepa-files/{file['id']}/content", headers=ADMIN)
    unknown = uuid.uuid4()
    missing = await world.http.post(f"{world.base}/sepa-files/{unknown}/journalise", headers=ADMIN)
    assert missing.status_code == 404
    assert missing.json()["detail"] == f"SEPA file {unknown} not found"
    journalise = f"{world.base}/sepa-files/{file['id']}/journalise"
    # Another office's admin, even with our dossier in its token: not found.
    stranger = await world.http.post(journalise, headers=token(Role.ADMIN, uuid.uuid4()))
    assert stranger.status_code == 404
    # The client pays; the office journalises.
    client = await world.http.post(journalise, headers=token(Role.CLIENT_ADMINISTRATOR))
    assert client.status_code == 403
    assert await world.settled_events() == []
    shown = (await world.http.get(f"{world.base}/sepa-files/{file['id']}", headers=ADMIN)).json()
    assert shown["status"] == "sent_to_bank"


async def post_report(world: World, file_id: str, report: Report | bytes) -> httpx.Response:
    content = report if isinstance(report, bytes) else status_report(report)
    return await world.http.post(
        f"{world.base}/sepa-files/{file_id}/status-report",
        content=content,
        headers=ADMIN | {"Content-Type": "application/xml"},
    )


async def outbox_count(world: World) -> int:
    return int(await world.pool.fetchval("SELECT count(*) FROM outbox"))


async def test_a_payment_the_bank_rejects_goes_back_to_the_basket_and_is_not_journalised(
    world: World,
) -> None:
    first = await world.booked_invoice("I-2026-11", "26000094")
    second = await world.booked_invoice("I-2026-12", "26000095")
    file = await world.sepa_file(first, second)
    content = (
        await world.http.get(f"{world.base}/sepa-files/{file['id']}/content", headers=ADMIN)
    ).content
    [(block, e2e_first), (_, e2e_second)] = [
        (t.payment_information_id, t.end_to_end_id) for t in file_transactions(content)
    ]
    by_e2e = {p["end_to_end_id"]: p for p in (await world.payments()).values()}
    report = Report(
        file["message_id"],
        [Block(block, [
            Transaction(e2e_first, "ACCP"),
            Transaction(e2e_second, "RJCT", Reason("AC04", "Closed account number")),
        ], "PART")],
        group_status="PART",
        message_id="STS-2026-0042",
    )  # fmt: skip
    imported = await post_report(world, file["id"], report)
    assert imported.status_code == 200, imported.text
    body = imported.json()
    assert body["status_report_message_id"] == "STS-2026-0042"
    assert {t["end_to_end_id"]: (t["status"], t["returned_to_basket"]) for t in body["transactions"]} == {
        e2e_first: ("ACCP", False),
        e2e_second: ("RJCT", True),
    }  # fmt: skip
    [returned] = body["returned"]
    assert returned["id"] == by_e2e[e2e_second]["id"]
    assert (returned["status"], returned["sepa_file_id"], returned["end_to_end_id"]) == (
        "in_basket",
        None,
        None,
    )
    assert returned["status_reason"] == (
        "rejected by the bank (AC04 Closed account number) in the status report STS-2026-0042 "
        f"on SEPA file {file['message_id']}"
    )
    assert [p["id"] for p in body["payments"]] == [by_e2e[e2e_first]["id"]]
    basket = (await world.http.get(f"{world.base}/basket", headers=ADMIN)).json()
    assert [p["id"] for p in basket] == [returned["id"]]
    queued = await world.pool.fetch(
        "SELECT payload FROM outbox WHERE topic = 'payment.queued.v1' ORDER BY id"
    )
    last = json.loads(queued[-1]["payload"])["data"]
    assert (last["payment_id"], last["status"]) == (returned["id"], "in_basket")

    # The same report again changes nothing more.
    before = await outbox_count(world)
    again = await post_report(world, file["id"], report)
    assert again.status_code == 200 and again.json()["returned"] == []
    assert await outbox_count(world) == before

    # Journalised: only the accepted payment.
    done = await world.http.post(f"{world.base}/sepa-files/{file['id']}/journalise", headers=ADMIN)
    assert done.status_code == 200, done.text
    assert [e["payment_id"] for e in await world.settled_events()] == [by_e2e[e2e_first]["id"]]
    assert (await world.payments())[returned["id"]]["status"] == "in_basket"

    # A rejection after the payment was journalised: refused, nothing written.
    late = Report(file["message_id"], [Block(block, [Transaction(e2e_first, "RJCT")])])
    refused = await post_report(world, file["id"], late)
    assert refused.status_code == 409
    assert refused.json()["detail"].startswith(
        "the bank rejects payments that are already paid: "
        f"payment {by_e2e[e2e_first]['id']} ({e2e_first}) is paid."
    )
    assert (await world.payments())[by_e2e[e2e_first]["id"]]["status"] == "paid"


async def test_a_bad_status_report_is_refused_and_writes_nothing(world: World) -> None:
    document = await world.booked_invoice("I-2026-13", "26000096")
    file = await world.sepa_file(document)
    [payment] = [p for p in (await world.payments()).values() if p["sepa_file_id"] == file["id"]]
    before = await outbox_count(world)
    cases = [
        (b"<Document>", "the status report is not well-formed XML"),
        (b"", "the status report is empty"),
        (
            Report(file["message_id"], group_status="RJCT", message_format="pain.001.001.09"),
            "not a payment status report",
        ),
        (Report("ANOTHER-FILE", group_status="RJCT"), "the status report is about message"),
        (
            Report(file["message_id"], [Block("X", [Transaction("E2E-NOT-OURS", "RJCT")])]),
            "the status report names payment information blocks that are not in the file: X",
        ),
    ]
    for report, message in cases:
        refused = await post_report(world, file["id"], report)
        assert refused.status_code == 422, (message, refused.text)
        assert refused.json()["detail"].startswith(message), refused.text
    block = file_transactions(
        (
            await world.http.get(f"{world.base}/sepa-files/{file['id']}/content", headers=ADMIN)
        ).content
    )[0].payment_information_id
    unknown = Report(file["message_id"], [Block(block, [Transaction("E2E-NOT-OURS", "RJCT")])])
    refused = await post_report(world, file["id"], unknown)
    assert refused.status_code == 422
    assert refused.json()["detail"] == (
        "the status report names end-to-end ids that are not in the file: E2E-NOT-OURS"
    )
    assert await outbox_count(world) == before
    shown = (await world.http.get(f"{world.base}/sepa-files/{file['id']}", headers=ADMIN)).json()
    assert shown["status_report_message_id"] is None
    assert (await world.payments())[payment["id"]]["status"] == "in_processing"
    missing = await post_report(world, str(uuid.uuid4()), Report("M", group_status="RJCT"))
    assert missing.status_code == 404
