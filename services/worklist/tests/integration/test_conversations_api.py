"""Conversations through the worklist's HTTP API, against a real PostgreSQL and a real SMTP
server (aiosmtpd, mails in a Maildir): who sees what, unread counts, attachments, closing,
templates, and e-mails that go out after the commit and survive a mail server that is down."""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role, issue_token
from ledgerline.db import create_pool
from ledgerline.demo import JWT_ISSUER
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.smtp import LocalSmtp
from ledgerline.service import create_app
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.databases import MigratedDatabases
from ledgerline.testing.http import TaskPerRequestTransport
from worklist.bootstrap import definition
from worklist.config import WorklistSettings
from worklist.conversations_config import ConversationSettings

pytestmark = [pytest.mark.integration]

VERSIONS = Path(__file__).resolve().parents[2] / "src/worklist/migrations/versions"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
OFFICE_USER = "anna@office.example"
BEN = "ben.baker@bakkerij.example"  # a client user with a restricted profile
CARL = "carl@bakkerij.example"  # the client administrator


@dataclass
class World:
    http: httpx.AsyncClient
    pool: asyncpg.Pool
    smtp: LocalSmtp
    office: uuid.UUID
    dossier: uuid.UUID
    sibling: uuid.UUID
    proposal: uuid.UUID
    document: uuid.UUID
    mail_folder: Path

    def headers(
        self,
        subject: str,
        role: Role,
        *,
        office: uuid.UUID | None = None,
        dossiers: list[uuid.UUID] | None = None,
    ) -> dict[str, str]:
        token = issue_token(
            secret=DEV_JWT_SECRET,
            subject=subject,
            office_id=office or self.office,
            role=role,
            dossiers=[self.dossier] if dossiers is None else dossiers,
            issuer=JWT_ISSUER,
        )
        return {"Authorization": f"Bearer {token}"}

    @property
    def base(self) -> str:
        return f"/dossiers/{self.dossier}"

    def mails_to(self, address: str) -> list[Any]:
        return [mail for mail in self.smtp.messages() if mail["To"] == address]


async def eventually(check: Callable[[], Any], timeout: float = 15) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = check()
        if found:
            return found
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("not within the time allowed")
        await asyncio.sleep(0.1)


@pytest.fixture
async def world(migrated_databases: MigratedDatabases, tmp_path: Path) -> AsyncIterator[World]:
    dsn = await migrated_databases.create(VERSIONS)
    office, dossier, sibling = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    proposal, document = uuid.uuid4(), uuid.uuid4()
    pool = await create_pool(dsn)
    await pool.executemany(
        "INSERT INTO dossiers (id, office_id, name, active) VALUES ($1, $2, $3, true)",
        [(dossier, office, "Bakkerij Peeters"), (sibling, office, "Garage Janssens")],
    )
    await pool.execute(
        """INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status,
               auto_status, recognition_status, journal, invoice_number, invoice_date,
               counterparty_name, counterparty_known, currency, total_incl_vat)
           VALUES ($1, $2, $3, $4, 'ubl', 'ok', 'ok', 'ok', 'CFAAN', '2026-0042', '2026-11-30',
                   'Meelhandel Janssens NV', true, 'EUR', 1210.00)""",
        proposal,
        office,
        dossier,
        document,
    )
    smtp = LocalSmtp(tmp_path / "mail", free_port())
    smtp.start()
    settings = WorklistSettings(
        database_url=dsn,
        # No Kafka: conversations publish nothing, and the service starts without a broker.
        kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
        run_consumers=False,
        run_outbox_relay=False,
    )
    app = create_app(definition(), settings)
    app.state.conversation_settings = ConversationSettings(
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        notify_poll_seconds=0.2,
        notify_retry_seconds=0.2,
        attachment_max_bytes=1024,
        attachments_per_message=2,
    )
    made: list[World] = []  # the test may replace the mail server
    try:
        async with app.router.lifespan_context(app):
            transport = TaskPerRequestTransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://worklist") as http:
                world = World(
                    http,
                    pool,
                    smtp,
                    office,
                    dossier,
                    sibling,
                    proposal,
                    document,
                    tmp_path / "mail",
                )
                made.append(world)
                yield world
    finally:
        with contextlib.suppress(AssertionError):  # stopped already by the test
            (made[0].smtp if made else smtp).stop()
        await pool.close()
        await migrated_databases.drop(dsn)


async def make_template(world: World, subject: str, body: str) -> str:
    created = await world.http.post(
        "/office/message-templates",
        json={"name": f"t-{uuid.uuid4().hex[:6]}", "subject": subject, "body": body},
        headers=world.headers("admin@office.example", Role.ADMIN, dossiers=[]),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_asking_the_client_about_a_proposal_reaches_that_user_only_and_back(
    world: World,
) -> None:
    office = world.headers(OFFICE_USER, Role.EMPLOYEE)
    ben = world.headers(BEN, Role.CLIENT_DOCUMENT_PROCESSING)
    carl = world.headers(CARL, Role.CLIENT_ADMINISTRATOR)
    template = await make_template(
        world,
        "Vraag over factuur {invoice_number}",
        "Beste {client_name},\nwat is factuur {invoice_number} van {counterparty_name} "
        "({total_incl_vat})?\n{sender}",
    )
    started = await world.http.post(
        f"{world.base}/conversations",
        json={
            "proposal_id": str(world.proposal),
            "template_id": template,
            "audience": "user",
            "addressed_to": BEN,
        },
        headers=office,
    )
    assert started.status_code == 201, started.text
    conversation = started.json()
    assert conversation["subject"] == "Vraag over factuur 2026-0042"
    assert conversation["document_id"] == str(world.document)
    assert (conversation["message_count"], conversation["unread"]) == (1, 0)
    url = f"{world.base}/conversations/{conversation['id']}"

    # Ben sees it, unread; Carl (another client user) does not, not even by its id
    [listed] = (await world.http.get(f"{world.base}/conversations", headers=ben)).json()
    assert (listed["id"], listed["unread"]) == (conversation["id"], 1)
    assert (await world.http.get(f"{world.base}/conversations", headers=carl)).json() == []
    hidden = await world.http.get(url, headers=carl)
    assert hidden.status_code == 404 and str(world.dossier) not in hidden.text
    [first] = (await world.http.get(f"{url}/messages", headers=ben)).json()
    assert first["text"] == (
        "Beste Bakkerij Peeters,\nwat is factuur 2026-0042 van Meelhandel Janssens NV "
        f"(1210.00 EUR)?\n{OFFICE_USER}"
    )
    # Ben got the e-mail, after the commit
    [mail] = await eventually(lambda: world.mails_to(BEN))
    assert mail["Subject"] == "Bakkerij Peeters: Vraag over factuur 2026-0042"
    assert "wat is factuur 2026-0042" in mail.get_content()

    # Ben answers with an attachment; the office sees one unread message, and is e-mailed
    answered = await world.http.post(
        f"{url}/messages",
        data={"text": "Bloem voor de winkel, zie bestelbon."},
        files=[("file", ("../bestelbon.pdf", PDF, "application/pdf"))],
        headers=ben,
    )
    assert answered.status_code == 201, answered.text
    [attachment] = answered.json()["attachments"]
    assert (attachment["filename"], attachment["size"]) == ("bestelbon.pdf", len(PDF))
    unread = await world.http.get(f"{world.base}/unread-messages", headers=office)
    assert (unread.json()["unread_messages"], unread.json()["unread_conversations"]) == (1, 1)
    mine = (await world.http.get("/me/unread-messages", headers=office)).json()
    assert mine["unread_messages"] == 1
    assert [d["dossier_name"] for d in mine["dossiers"]] == ["Bakkerij Peeters"]
    [to_anna] = await eventually(lambda: world.mails_to(OFFICE_USER))
    assert "Bloem voor de winkel" in to_anna.get_content()

    # the office downloads the attachment, byte for byte, and reads the conversation
    download = await world.http.get(f"{url}/attachments/{attachment['id']}", headers=office)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == "attachment; filename*=UTF-8''bestelbon.pdf"
    assert (
        await world.http.get(f"{url}/attachments/{attachment['id']}", headers=carl)
    ).status_code == 404
    read = await world.http.post(f"{url}/read", headers=office)
    assert read.status_code == 200 and read.json()["unread"] == 0
    assert (await world.http.get("/me/unread-messages", headers=office)).json()[
        "unread_messages"
    ] == 0
    messages = (await world.http.get(f"{url}/messages", headers=ben)).json()
    assert messages[1]["read_by"] == [OFFICE_USER]
    assert messages[0]["read_by"] == [BEN]  # answering it, Ben read the office's question

    # filters: about the document, unread only
    about = await world.http.get(
        f"{world.base}/conversations", params={"document_id": str(world.document)}, headers=office
    )
    assert [c["id"] for c in about.json()] == [conversation["id"]]
    unread_only = await world.http.get(
        f"{world.base}/conversations", params={"unread": "true"}, headers=office
    )
    assert unread_only.json() == []


async def test_everyone_means_full_access_users_and_other_tenants_see_nothing(world: World) -> None:
    office = world.headers(OFFICE_USER, Role.SUPPORT)
    started = await world.http.post(
        f"{world.base}/conversations",
        json={"subject": "Jaarafsluiting", "text": "Mogen we de inventaris?", "notify": [CARL]},
        headers=office,
    )
    assert started.status_code == 201, started.text
    assert started.json()["audience"] == "everyone"
    carl = world.headers(CARL, Role.CLIENT_ADMINISTRATOR)
    ben = world.headers(BEN, Role.CLIENT_DOCUMENT_DELIVERY)
    assert len((await world.http.get(f"{world.base}/conversations", headers=carl)).json()) == 1
    assert (await world.http.get(f"{world.base}/conversations", headers=ben)).json() == []
    await eventually(lambda: world.mails_to(CARL))

    # a restricted client user cannot address everyone; by default they talk to the office alone
    refused = await world.http.post(
        f"{world.base}/conversations",
        json={"subject": "x", "text": "y", "audience": "everyone"},
        headers=ben,
    )
    assert refused.status_code == 403 and "may not address everyone" in refused.json()["detail"]
    own = await world.http.post(
        f"{world.base}/conversations", json={"subject": "Vraag", "text": "Hoe?"}, headers=ben
    )
    assert (own.json()["audience"], own.json()["addressed_to"]) == ("user", BEN)

    # another office, even listing our dossier, and an employee not assigned to it: 404
    stranger = world.headers("eve@other.example", Role.ADMIN, office=uuid.uuid4())
    colleague = world.headers("jan@office.example", Role.EMPLOYEE, dossiers=[world.sibling])
    for headers in (stranger, colleague):
        answer = await world.http.get(f"{world.base}/conversations", headers=headers)
        assert answer.status_code == 404
    assert (await world.http.get("/me/unread-messages", headers=stranger)).json() == {
        "unread_messages": 0,
        "dossiers": [],
    }


async def test_bad_attachments_and_closed_conversations_write_nothing(world: World) -> None:
    office = world.headers(OFFICE_USER, Role.EMPLOYEE)
    started = await world.http.post(
        f"{world.base}/conversations",
        json={"subject": "Bijlagen", "text": "Stuur maar"},
        headers=office,
    )
    url = f"{world.base}/conversations/{started.json()['id']}"
    cases = [
        ([("file", ("big.pdf", PDF + b"0" * 2000, "application/pdf"))], 413, "big.pdf"),
        ([("file", ("x.exe", b"MZ\x90\x00", "application/x-msdownload"))], 422, "not allowed"),
        ([("file", ("fake.pdf", b"<html>", "application/pdf"))], 422, "not application/pdf"),
        ([("file", (f"{n}.pdf", PDF, "application/pdf")) for n in range(3)], 422, "Too many"),
        ([("attachment", ("a.pdf", PDF, "application/pdf"))], 422, "'file' fields"),
    ]
    for files, expected, message in cases:
        answer = await world.http.post(
            f"{url}/messages", data={"text": "hier"}, files=files, headers=office
        )
        assert answer.status_code == expected, answer.text
        assert message in answer.json()["detail"]
    for body in ({"text": ""}, {"text": "nul\x00"}, {"txt": "x"}):
        assert (
            await world.http.post(f"{url}/messages", json=body, headers=office)
        ).status_code == 422
    assert (await world.http.get(url, headers=office)).json()["message_count"] == 1

    # closing is the office's; a closed conversation takes nothing until reopened
    client = world.headers(CARL, Role.CLIENT_FULL_ACCESS)
    assert (await world.http.post(f"{url}/close", headers=client)).status_code == 403
    closed = await world.http.post(f"{url}/close", headers=office)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert (await world.http.post(f"{url}/close", headers=office)).status_code == 409
    late = await world.http.post(f"{url}/messages", json={"text": "nog iets"}, headers=client)
    assert late.status_code == 409
    listed = await world.http.get(
        f"{world.base}/conversations", params={"status": "closed"}, headers=office
    )
    assert [c["id"] for c in listed.json()] == [started.json()["id"]]
    assert (await world.http.post(f"{url}/reopen", headers=office)).json()["status"] == "open"
    assert (
        await world.http.post(f"{url}/messages", json={"text": "nog iets"}, headers=client)
    ).status_code == 201


async def test_a_mail_server_that_is_down_loses_no_message_and_the_mail_follows(
    world: World,
) -> None:
    world.smtp.stop()  # the mail server is down when the office writes
    office = world.headers(OFFICE_USER, Role.EMPLOYEE)
    started = await world.http.post(
        f"{world.base}/conversations",
        json={
            "subject": "Ontbrekend document",
            "text": "Mag ik het contract?",
            "audience": "user",
            "addressed_to": BEN,
        },
        headers=office,
    )
    assert started.status_code == 201, started.text

    async def attempted() -> Any:
        return await world.pool.fetchrow(
            "SELECT status, attempts, last_error FROM conversation_notifications"
        )

    row = None
    for _ in range(100):
        row = await attempted()
        if row is not None and row["attempts"] >= 1 and row["last_error"]:
            break
        await asyncio.sleep(0.1)
    assert row is not None and row["status"] == "pending" and "did not take" in row["last_error"]
    ben = world.headers(BEN, Role.CLIENT_DOCUMENT_PROCESSING)
    [message] = (
        await world.http.get(
            f"{world.base}/conversations/{started.json()['id']}/messages", headers=ben
        )
    ).json()
    assert message["text"] == "Mag ik het contract?"

    world.smtp = LocalSmtp(world.mail_folder, world.smtp.port)  # the server comes back
    world.smtp.start()
    [mail] = await eventually(lambda: world.mails_to(BEN))
    assert "Mag ik het contract?" in mail.get_content()
    # the server took it; the notifier records that right after
    for _ in range(100):
        if (await attempted())["status"] == "sent":
            break
        await asyncio.sleep(0.1)
    assert (await attempted())["status"] == "sent"


async def test_templates_are_the_office_admins_and_checked(world: World) -> None:
    admin = world.headers("admin@office.example", Role.ADMIN, dossiers=[])
    employee = world.headers(OFFICE_USER, Role.EMPLOYEE)
    client = world.headers(CARL, Role.CLIENT_ADMINISTRATOR)
    body = {
        "name": "Herinnering",
        "language": "nl",
        "subject": "Herinnering",
        "body": "Beste {client_name}",
    }
    created = await world.http.post("/office/message-templates", json=body, headers=admin)
    assert created.status_code == 201, created.text
    template = created.json()["id"]
    assert (
        await world.http.post("/office/message-templates", json=body, headers=admin)
    ).status_code == 409
    assert (
        await world.http.post(
            "/office/message-templates", json=body | {"name": "x"}, headers=employee
        )
    ).status_code == 403
    assert (await world.http.get("/office/message-templates", headers=client)).status_code == 403
    assert [
        t["id"]
        for t in (await world.http.get("/office/message-templates", headers=employee)).json()
    ] == [template]
    for subject, text, message in [
        ("Hallo {klant}", "x", "subject: unknown placeholder {klant}"),
        ("Hallo", "{client_name.__class__}", "body: a '{' at position 0 opens no placeholder"),
    ]:
        invalid = await world.http.post(
            "/office/message-templates",
            json=body | {"name": "y", "subject": subject, "body": text},
            headers=admin,
        )
        assert invalid.status_code == 422 and message in invalid.json()["detail"]
    other_office = world.headers("eve@other.example", Role.ADMIN, office=uuid.uuid4(), dossiers=[])
    assert (
        await world.http.get(f"/office/message-templates/{template}", headers=other_office)
    ).status_code == 404
    assert (
        await world.http.delete(f"/office/message-templates/{template}", headers=other_office)
    ).status_code == 404

    # a proposal placeholder without a proposal: 422, and no conversation is written
    needs_proposal = await make_template(
        world, "Factuur {invoice_number}", "Over {counterparty_name}"
    )
    refused = await world.http.post(
        f"{world.base}/conversations", json={"template_id": needs_proposal}, headers=employee
    )
    assert refused.status_code == 422 and "{invoice_number}" in refused.json()["detail"]
    assert await world.pool.fetchval("SELECT count(*) FROM conversations") == 0
    updated = await world.http.put(
        f"/office/message-templates/{template}",
        json=body | {"body": "Dag {client_name}"},
        headers=admin,
    )
    assert updated.json()["body"] == "Dag {client_name}"
    assert (
        await world.http.delete(f"/office/message-templates/{template}", headers=admin)
    ).status_code == 204
