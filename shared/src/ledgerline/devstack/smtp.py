"""A real SMTP server for the local stack and tests; every message it takes lands in a Maildir."""

import mailbox
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _MaildirHandler:
    def __init__(self, maildir: mailbox.Maildir) -> None:
        self._maildir = maildir

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        self._maildir.add(content)
        return "250 Message accepted for delivery"


class LocalSmtp:
    """Listens on 127.0.0.1:port; `messages()` reads what arrived."""

    def __init__(self, folder: Path, port: int) -> None:
        folder.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(folder, create=True)  # creates cur/, new/ and tmp/
        self.port = port
        self._controller = Controller(
            _MaildirHandler(self.maildir), hostname="127.0.0.1", port=port
        )

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(message.as_bytes(), policy=policy.default)  # type: ignore[misc]
            for message in self.maildir
        ]
