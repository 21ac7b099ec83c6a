"""E-mails each new message of a conversation to the other side.

The e-mails to send are written with the message, in its transaction
(`conversation_notifications`); this task sends them after the commit, outside any transaction,
woken by the API at once and otherwise every `WORKLIST_NOTIFY_POLL_SECONDS`. An e-mail is leased
to one process before it is sent, so several processes never send it twice at once; one the
mail server did not take stays pending and is tried again later (waits doubling), and after
`WORKLIST_NOTIFY_MAX_ATTEMPTS` tries it is marked failed. The message itself is never lost: it
was committed before any e-mail was tried.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from email.message import EmailMessage
from typing import Any

import asyncpg
from fastapi import APIRouter, FastAPI, Request
from ledgerline.mail import MailNotSent, send_message

from worklist.adapters import conversations as store
from worklist.config import ConversationSettings
from worklist.domain.conversations import notification_text

log = logging.getLogger(__name__)

Send = Callable[[EmailMessage], Awaitable[None]]
# How long a claimed e-mail is this process's before another may try it.
LEASE_SECONDS = 120.0


def settings_of(app: FastAPI) -> ConversationSettings:
    """The conversations' settings: the service's own (part of `WorklistSettings`), unless
    `app.state.conversation_settings` holds others (tests set short delays there)."""
    override: ConversationSettings | None = getattr(app.state, "conversation_settings", None)
    if override is not None:
        return override
    settings = app.state.settings
    assert isinstance(settings, ConversationSettings), "the worklist runs with WorklistSettings"
    return settings


def wake(request: Request) -> None:
    """Called after a message is committed: its e-mails go now rather than at the next poll."""
    event: asyncio.Event | None = getattr(request.app.state, "conversation_wakeup", None)
    if event is not None:
        event.set()


def compose(row: Any, settings: ConversationSettings) -> EmailMessage:
    subject, body = notification_text(
        dossier_name=row["dossier_name"],
        conversation_subject=row["subject"],
        author=row["author"],
        text=row["text"],
        link=f"{settings.portal_url}#conversation={row['conversation_id']}",
    )
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = row["recipient"]
    message["Subject"] = subject
    message["X-Ledgerline-Conversation"] = str(row["conversation_id"])
    message.set_content(body)
    return message


async def send_due(pool: asyncpg.Pool, send: Send, settings: ConversationSettings) -> int:
    """One round: every due e-mail sent once or put back for later; returns how many went."""
    async with pool.acquire() as conn:
        due = await store.claim_due_notifications(conn, LEASE_SECONDS)
    sent = 0
    for row in due:
        try:
            await send(compose(row, settings))
        except MailNotSent as exc:
            give_up = row["attempts"] >= settings.notify_max_attempts
            log.warning(
                "worklist: e-mail about a message to %s not sent (try %d%s): %s",
                row["recipient"],
                row["attempts"],
                ", given up" if give_up else "",
                exc,
            )
            retry_in = settings.notify_retry_seconds * 2 ** (row["attempts"] - 1)
            async with pool.acquire() as conn:
                await store.notification_not_sent(conn, row["id"], str(exc), retry_in, give_up)
            continue
        async with pool.acquire() as conn:
            await store.notification_sent(conn, row["id"])
        sent += 1
    return sent


def smtp_sender(settings: ConversationSettings) -> Send:
    assert settings.smtp_host is not None

    async def send(message: EmailMessage) -> None:
        await send_message(
            message,
            host=settings.smtp_host,  # type: ignore[arg-type]
            port=settings.smtp_port,
            starttls=settings.smtp_starttls,
            username=settings.smtp_username,
            password=settings.smtp_password,
        )

    return send


async def run(pool: asyncpg.Pool, settings: ConversationSettings, wakeup: asyncio.Event) -> None:
    send = smtp_sender(settings)
    while True:
        wakeup.clear()
        try:
            await send_due(pool, send, settings)
        except Exception:  # a database hiccup must not end the loop
            log.exception("worklist: e-mailing new messages failed; trying again")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(wakeup.wait(), settings.notify_poll_seconds)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Entered after the service's own lifespan started the runtime (FastAPI nests them)."""
    settings = settings_of(app)
    task = None
    if settings.smtp_host:
        app.state.conversation_wakeup = asyncio.Event()
        task = asyncio.create_task(
            run(app.state.runtime.pool, settings, app.state.conversation_wakeup),
            name="notify-conversations",
        )
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


router = APIRouter(lifespan=lifespan)
