"""Approvers' e-mails on the real PostgreSQL with approvals' migrations: once an hour at most,
only one process sends each, and one the mail server refused is tried again."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import asyncpg
import pytest
from approvals.bootstrap import definition
from approvals.domain.notifications import Digest
from approvals.notifier import send_due
from approvals.service_layer import on_payment_approval_requested
from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, PaymentApprovalRequested
from ledgerline.mail import MailNotSent
from ledgerline.testing.databases import MigratedDatabases, dossier_database

pytestmark = [pytest.mark.integration]

OFFICE, DOSSIER = uuid.uuid4(), uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
APPROVER = "b@client.example"


@pytest.fixture
async def pool(migrated_databases: MigratedDatabases) -> AsyncIterator[asyncpg.Pool]:
    versions = definition().versions_dir
    async with dossier_database(migrated_databases, versions, OFFICE, DOSSIER, T0) as pool:
        await pool.execute(
            "INSERT INTO payment_approval_rules (id, office_id, dossier_id, name, limits) "
            "VALUES ($1, $2, $3, 'B', $4)",
            uuid.uuid4(),
            OFFICE,
            DOSSIER,
            [{"approver": APPROVER, "max_amount": "10000.00"}],
        )
        yield pool


async def request_approval(pool: asyncpg.Pool, amount: str, minutes: int) -> None:
    """A payment approval requested at T0 + minutes (the test's clock, not the wall clock)."""
    event = Envelope[PaymentApprovalRequested](
        source="/ledgerline/payments",
        type="t",
        dossierid=DOSSIER,
        officeid=OFFICE,
        correlationid="c",
        data=PaymentApprovalRequested(
            payment_id=uuid.uuid4(),
            debtor_iban="BE68539007547034",
            creditor_name="Drukkerij Van Damme",
            creditor_iban="BE71096123456769",
            amount=Decimal(amount),
        ),
    )
    async with UnitOfWork(pool, source="test") as uow:
        await on_payment_approval_requested(uow, event)
        await uow.conn.execute(
            "UPDATE approvals SET created_at = $2 WHERE subject_id = $1",
            event.data.payment_id,
            T0 + timedelta(minutes=minutes),
        )


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


async def test_one_mail_per_hour_sent_once_and_retried_when_refused(pool: asyncpg.Pool) -> None:
    sent: list[Digest] = []

    async def send(digest: Digest) -> None:
        sent.append(digest)

    async def refuse(digest: Digest) -> None:
        raise MailNotSent("the mail server is down")

    await request_approval(pool, "5000.00", 0)
    # The mail server refuses: nothing is recorded, and the next round sends it.
    assert await send_due(pool, refuse, at(1), HOUR) == []
    [digest] = await send_due(pool, send, at(2), HOUR)
    assert digest.approver == APPROVER and digest.subject == "1 approval waiting for you"
    assert "payment from Drukkerij Van Damme EUR 5,000.00 (Bakkerij Peeters)" in digest.body("u")

    # Within the hour, a new approval waits for the next mail.
    await request_approval(pool, "10.00", 10)
    assert await send_due(pool, send, at(30), HOUR) == []
    # Three processes in the same round: the claim lets only one of them send.
    rounds = await asyncio.gather(*(send_due(pool, send, at(63), HOUR) for _ in range(3)))
    assert sorted(len(result) for result in rounds) == [0, 0, 1]
    assert len(sent[-1].items) == 2

    # Nothing new since the last mail: no reminder, however long it waits.
    assert await send_due(pool, send, at(300), HOUR) == []
    await request_approval(pool, "20.00", 301)
    assert len(await send_due(pool, send, at(302), HOUR)) == 1
    assert len(sent) == 3
