"""E-mail intake: an SMTP server (aiosmtpd) in the ingest process, on the service's event loop.

- RCPT: an address of an active dossier (`ingest.domain.email`) is accepted, a journal's own
  address (`aankoop-<journal>-<code>@`) only for a journal that has one; anything else is
  refused with `550 5.1.1`. Where the dossier uses its sender whitelist, a MAIL FROM address not
  on it is refused at RCPT with `550 5.7.1` (the recipient names the dossier, so the whitelist can
  only be checked there).
- DATA: every attachment must be a document (PDF, PNG, JPEG, TIFF, UBL/CII XML, checked by its
  bytes; a damaged PDF is none); a mail without one, or with another kind of attachment, is
  refused with `554 5.6.0` and a text saying which. Otherwise all its documents, for every accepted recipient, are stored
  in one transaction with their events, and `250` is answered only after it committed: a crash
  before that stores nothing (the sender's server retries), a crash after loses nothing. An
  error while storing answers `451 4.3.0` (try again later) with nothing stored.
- SIZE is advertised (`smtp_max_message_bytes`) and a larger mail is refused with `552`.
- STARTTLS is offered when a certificate and key are configured (`smtp_tls_cert_file`,
  `smtp_tls_key_file`); with `smtp_require_tls`, commands other than EHLO/NOOP/QUIT/STARTTLS
  are refused (530) until TLS is on.
"""

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any, cast
from uuid import UUID

import asyncpg
from aiosmtpd.smtp import SMTP, Envelope, Session
from ledgerline.service import Runtime

from ingest.adapters import repository
from ingest.adapters.blobs import blob_store
from ingest.config import IngestSettings
from ingest.domain.email import (
    attachments_of,
    journal_of,
    refusal,
    routes_for,
    sender_allowed,
    sender_of,
)
from ingest.intake import Delivery, IncomingFile, take_in_as_configured

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recipient:
    address: str
    dossier_id: UUID
    office_id: UUID
    mailbox: str
    journal: str | None = None


def _one_line(text: str, limit: int = 400) -> str:
    """SMTP replies are single ASCII lines."""
    flat = " ".join(text.split())
    return flat.encode("ascii", "replace").decode()[:limit]


class IntakeHandler:
    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._settings = cast(IngestSettings, runtime.settings)

    async def _resolve(
        self, connection: asyncpg.Connection, address: str
    ) -> tuple[asyncpg.Record | None, str, str | None, str]:
        """The dossier an address names, its mailbox, its journal (a journal's own address),
        and (when no dossier) why not."""
        for route in routes_for(address):
            dossiers = await repository.dossiers_for_address(connection, route.code, route.domain)
            journal = None
            if len(dossiers) == 1 and route.journal is not None:
                journals = await repository.journals_of(connection, dossiers[0]["id"])
                journal = journal_of(route, journals)
                if journal is None:
                    continue  # not a journal of this dossier: another reading may hold
            if len(dossiers) == 1:
                return dossiers[0], route.mailbox, journal, ""
            if len(dossiers) > 1:
                return (
                    None,
                    "",
                    None,
                    "this address is used by more than one dossier; ask your office",
                )
        return None, "", None, "no dossier mailbox has this address"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        async with self._runtime.pool.acquire() as connection:
            dossier, mailbox, journal, problem = await self._resolve(connection, address)
        if dossier is None:
            return _one_line(f"550 5.1.1 <{address}>: {problem}")
        sender = envelope.mail_from or ""
        if dossier["use_sender_whitelist"] and not sender_allowed(
            sender, list(dossier["sender_whitelist"])
        ):
            return _one_line(
                f"550 5.7.1 <{address}>: the sender <{sender}> is not on this dossier's "
                "whitelist of e-mail senders"
            )
        recipients: list[Recipient] = getattr(envelope, "ledgerline_recipients", [])
        if not any(  # the same mailbox named twice (To and Cc) takes the documents once
            r.dossier_id == dossier["id"] and r.mailbox == mailbox and r.journal == journal
            for r in recipients
        ):
            recipients.append(
                Recipient(address, dossier["id"], dossier["office_id"], mailbox, journal)
            )
        envelope.ledgerline_recipients = recipients  # type: ignore[attr-defined]
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        recipients: list[Recipient] = getattr(envelope, "ledgerline_recipients", [])
        content = envelope.original_content or b""
        message = cast(EmailMessage, message_from_bytes(content, policy=policy.default))
        usable, skipped = attachments_of(message, self._settings.limits())
        problem = refusal(usable, skipped)
        if problem is not None:
            return _one_line(f"554 5.6.0 {problem}")
        sender = sender_of(message, envelope.mail_from or "")
        subject = _one_line(str(message.get("Subject", "")), 998) or None
        files = [IncomingFile(a.content, a.kind, a.filename, a.page_count) for a in usable]
        try:
            stored = 0
            async with self._runtime.unit_of_work() as uow:
                for recipient in recipients:
                    dossier = await repository.get_dossier(
                        uow.conn, recipient.office_id, recipient.dossier_id
                    )
                    if dossier is None:  # deactivated between RCPT and DATA
                        raise LookupError(f"dossier {recipient.dossier_id} is no longer active")
                    delivery = Delivery(
                        office_id=recipient.office_id,
                        dossier_id=recipient.dossier_id,
                        mailbox=recipient.mailbox,
                        channel="email",
                        delivered_by=sender,
                        sender=sender,
                        subject=subject,
                        journal=recipient.journal,
                    )
                    stored += len(
                        await take_in_as_configured(
                            uow, dossier, delivery, files, self._settings, blob_store(self._runtime)
                        )
                    )
        except Exception:
            log.exception("storing a mail from %s failed; answered 451", envelope.mail_from)
            return "451 4.3.0 the documents could not be stored; nothing was kept, try again later"
        log.info("mail from %s stored as %d documents", sender, stored)
        return f"250 2.0.0 {stored} document(s) stored"


def tls_context(settings: IngestSettings) -> ssl.SSLContext | None:
    """The server side of STARTTLS, when a certificate is configured (both files or neither)."""
    if settings.smtp_tls_cert_file is None and settings.smtp_tls_key_file is None:
        return None
    if settings.smtp_tls_cert_file is None or settings.smtp_tls_key_file is None:
        raise ValueError(
            "STARTTLS needs both INGEST_SMTP_TLS_CERT_FILE and INGEST_SMTP_TLS_KEY_FILE"
        )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(settings.smtp_tls_cert_file, settings.smtp_tls_key_file)
    return context


@contextlib.asynccontextmanager
async def smtp_server(runtime: Runtime) -> AsyncIterator[Any]:
    """Listens for mail while the service runs (when `smtp_port` is set)."""
    settings = cast(IngestSettings, runtime.settings)
    if settings.smtp_port is None:
        yield None
        return
    handler = IntakeHandler(runtime)
    context = tls_context(settings)

    def protocol() -> SMTP:
        return SMTP(
            handler,
            data_size_limit=settings.smtp_max_message_bytes,
            hostname=settings.smtp_hostname,
            ident="Ledgerline ingest",
            tls_context=context,
            require_starttls=settings.smtp_require_tls,
        )

    server = await asyncio.get_running_loop().create_server(
        protocol, host=settings.smtp_host, port=settings.smtp_port
    )
    log.info(
        "e-mail intake listening on %s:%s%s",
        settings.smtp_host,
        settings.smtp_port,
        " (STARTTLS)" if context else "",
    )
    try:
        yield server
    finally:
        server.close()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(server.wait_closed(), 5)
