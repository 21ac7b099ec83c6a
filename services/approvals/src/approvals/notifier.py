"""E-mails approvers what waits for them, batched at most once per period per approver.

It runs inside the service process (a task started with the HTTP app) when an SMTP server is
configured. Several processes may run it: an e-mail is claimed in the database before it is
sent, so only one of them sends it; one the server did not take is released and tried again.
No connection or transaction is held while the mail server talks.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import asyncpg
from fastapi import APIRouter, FastAPI
from ledgerline.mail import MailNotSent, send_message

from approvals.adapters import notices
from approvals.config import ApprovalsSettings
from approvals.domain.notifications import Digest, Waiting, due_digests

log = logging.getLogger(__name__)

Send = Callable[[Digest], Awaitable[None]]


async def send_due(pool: asyncpg.Pool, send: Send, now: datetime, every: timedelta) -> list[Digest]:
    """One round: the digests that are due, each sent once; returns those sent."""
    async with pool.acquire() as conn:
        waiting = [Waiting(**dict(row)) for row in await notices.waiting_per_approver(conn)]
        last = await notices.last_notified(conn)
    sent = []
    for digest in due_digests(waiting, last, now, every):
        previous = last.get(digest.approver)
        async with pool.acquire() as conn:
            if not await notices.claim_notification(conn, digest.approver, previous, now):
                continue  # another process sends it
        try:
            await send(digest)
        except MailNotSent as exc:
            log.warning("approvals: e-mail to %s not sent: %s", digest.approver, exc)
            async with pool.acquire() as conn:
                await notices.release_notification(conn, digest.approver, previous, now)
            continue
        sent.append(digest)
    return sent


def smtp_sender(settings: ApprovalsSettings) -> Send:
    assert settings.smtp_host is not None

    async def send(digest: Digest) -> None:
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = digest.approver
        message["Subject"] = digest.subject
        message.set_content(digest.body(settings.portal_url))
        await send_message(
            message,
            host=settings.smtp_host,  # type: ignore[arg-type]
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )

    return send


async def run(pool: asyncpg.Pool, settings: ApprovalsSettings) -> None:
    send = smtp_sender(settings)
    every = timedelta(seconds=settings.notify_every_seconds)
    while True:
        try:
            await send_due(pool, send, datetime.now(UTC), every)
        except Exception:  # a database hiccup must not end the loop
            log.exception("approvals: notifying approvers failed; trying again")
        await asyncio.sleep(settings.notify_poll_seconds)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Entered after the service's own lifespan started the runtime (FastAPI nests them)."""
    settings: ApprovalsSettings = app.state.settings
    task = None
    if settings.smtp_host:
        task = asyncio.create_task(run(app.state.runtime.pool, settings), name="notify-approvers")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


router = APIRouter(lifespan=lifespan)
