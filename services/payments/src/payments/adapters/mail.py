"""Sends a SEPA file to a bank by e-mail over SMTP."""

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


async def send_file(
    *,
    host: str,
    port: int,
    sender: str,
    recipient: str,
    subject: str,
    body: str,
    filename: str,
    content: bytes,
    starttls: bool = False,
    username: str | None = None,
    password: str | None = None,
) -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    message.add_attachment(content, maintype="application", subtype="xml", filename=filename)
    try:
        await asyncio.to_thread(_send, message, host, port, starttls, username, password)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailNotSent(f"the mail server {host}:{port} did not take the message: {exc}") from exc
