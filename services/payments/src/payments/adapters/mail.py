"""Sends a SEPA file to a bank by e-mail over SMTP."""

from email.message import EmailMessage

from ledgerline.mail import MailNotSent, send_message

__all__ = ["MailNotSent", "send_file"]


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
    await send_message(
        message, host=host, port=port, starttls=starttls, username=username, password=password
    )
