"""Sending e-mail over the platform's SMTP server (payments' files to banks, approvals' digests)."""

import asyncio
import smtplib
from email.message import EmailMessage


class MailNotSent(Exception):
    pass


def _send(
    message: EmailMessage,
    host: str,
    port: int,
    starttls: bool,
    username: str | None,
    password: str | None,
) -> None:
    with smtplib.SMTP(host, port, timeout=15) as smtp:
        if starttls:
            smtp.starttls()
        if username:
            smtp.login(username, password or "")
        smtp.send_message(message)


async def send_message(
    message: EmailMessage,
    *,
    host: str,
    port: int,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Hands the message to the SMTP server (in a thread: smtplib blocks), or raises MailNotSent."""
    try:
        await asyncio.to_thread(_send, message, host, port, starttls, username, password)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"the mail server {host}:{port} did not take the message: {exc}") from exc
