"""Conversations between the office and a dossier's users (seed 003, "De communicatiemodule").

Pure: who may read, start, write and close a conversation; who is e-mailed about a new
message; which attachments are taken; message templates and their placeholders. No I/O.

A conversation is about the dossier or about one document (optionally started from its booking
proposal: "ask the client"). It is addressed to everyone in the dossier or to one user. The
office's roles (admin, employee, support) read every conversation of a dossier they may see
(the dossier scope decides that); a client user reads a conversation addressed to them, and one
addressed to everyone when their profile has full access (the seed: "alle gebruikers (met full
access profiel) of slechts één specifieke gebruiker").
"""

import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from ledgerline.auth import CLIENT_ROLES, OFFICE_ROLES, Role


class Side(StrEnum):
    OFFICE = "office"
    CLIENT = "client"


class Audience(StrEnum):
    EVERYONE = "everyone"
    USER = "user"


class ConversationStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


# Who may take part in conversations at all (the dossier scope of the routes).
CONVERSATION_ROLES = OFFICE_ROLES | CLIENT_ROLES
# The client profiles that belong to "everyone in the dossier".
EVERYONE_CLIENT_ROLES = frozenset({Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS})
# Closing, reopening and templates are the office's work.
CLOSERS = OFFICE_ROLES
TEMPLATE_EDITORS = frozenset({Role.ADMIN})


class ConversationRefused(Exception):
    """The reader may not do this (the API answers 403, or 404 where the conversation's
    existence itself must stay hidden)."""


def side_of(role: Role) -> Side:
    if role in OFFICE_ROLES:
        return Side.OFFICE
    if role in CLIENT_ROLES:
        return Side.CLIENT
    raise ConversationRefused(f"the role {role.value} takes no part in conversations")


def normalised(subject: str) -> str:
    """Subjects are compared without regard to case (they are e-mail addresses mostly); lower()
    as PostgreSQL's lower() does, so that queries compare the same way."""
    return subject.strip().lower()


@dataclass(frozen=True)
class Reader:
    subject: str
    role: Role

    @property
    def side(self) -> Side:
        return side_of(self.role)


@dataclass(frozen=True)
class Addressing:
    """To whom a conversation speaks."""

    audience: Audience
    addressed_to: str | None = None  # the one user, for Audience.USER

    def __post_init__(self) -> None:
        if (self.audience is Audience.USER) != (self.addressed_to is not None):
            raise ValueError("a conversation with one user names that user, and only then")


def may_read(reader: Reader, addressing: Addressing) -> bool:
    """Whether the reader sees the conversation at all (within a dossier they may see)."""
    if reader.role in OFFICE_ROLES:
        return True
    if reader.role not in CLIENT_ROLES:
        return False
    if addressing.audience is Audience.EVERYONE:
        return reader.role in EVERYONE_CLIENT_ROLES
    assert addressing.addressed_to is not None
    return normalised(addressing.addressed_to) == normalised(reader.subject)


def default_addressing(reader: Reader) -> Addressing:
    """What a new conversation speaks to when the caller does not say: everyone, except for a
    client user who is not part of everyone: then a private one between them and the office."""
    if reader.role in OFFICE_ROLES or reader.role in EVERYONE_CLIENT_ROLES:
        return Addressing(Audience.EVERYONE)
    return Addressing(Audience.USER, reader.subject)


def check_may_start(reader: Reader, addressing: Addressing) -> None:
    """An office user starts any conversation; a client user one they may read themselves (a
    client cannot open a private conversation for another client user)."""
    side_of(reader.role)
    if reader.role in OFFICE_ROLES:
        return
    if not may_read(reader, addressing):
        if addressing.audience is Audience.EVERYONE:
            raise ConversationRefused(
                f"the role {reader.role.value} may not address everyone in the dossier; "
                "address the conversation to yourself"
            )
        raise ConversationRefused("a client user may only address a conversation to themselves")


def check_may_write(status: ConversationStatus) -> None:
    """Reading was checked already; a closed conversation takes no more messages."""
    if status is ConversationStatus.CLOSED:
        raise ConversationClosed("the conversation is closed; reopen it to write in it")


class ConversationClosed(Exception):
    pass


def unread_side(reader: Reader) -> Side:
    """A reader's unread messages are the other side's: what the client wrote, for the office,
    and what the office wrote, for a client user."""
    return Side.CLIENT if reader.side is Side.OFFICE else Side.OFFICE


# --- e-mail notification ---------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;]+$")


def is_email_address(value: str) -> bool:
    return _EMAIL.fullmatch(value) is not None and len(value) <= 254


@dataclass(frozen=True)
class Participant:
    """Someone known to take part: who started, who was addressed, who wrote or read."""

    subject: str
    side: Side
    role: Role | None  # None: addressed by name, role not known yet


def recipients(
    author: Reader, addressing: Addressing, participants: Iterable[Participant]
) -> list[str]:
    """Who is e-mailed about the author's new message: the other side's participants who may
    read the conversation, and the addressed user when the office writes. Only e-mail addresses;
    never the author. Sorted, without duplicates (compared without case)."""
    other = Side.CLIENT if author.side is Side.OFFICE else Side.OFFICE
    chosen: dict[str, str] = {}
    for participant in participants:
        if participant.side is not other:
            continue
        if participant.role is not None and not may_read(
            Reader(participant.subject, participant.role), addressing
        ):
            continue
        chosen.setdefault(normalised(participant.subject), participant.subject)
    if other is Side.CLIENT and addressing.addressed_to is not None:
        chosen.setdefault(normalised(addressing.addressed_to), addressing.addressed_to)
    chosen.pop(normalised(author.subject), None)
    return sorted(address for key, address in chosen.items() if is_email_address(address))


def notification_text(
    *, dossier_name: str, conversation_subject: str, author: str, text: str, link: str
) -> tuple[str, str]:
    """The e-mail's subject line and body. The message is quoted, at most 2,000 characters."""
    quoted = text if len(text) <= 2000 else text[:2000] + " […]"
    subject = f"{dossier_name}: {conversation_subject}"
    subject = " ".join(subject.split())[:200]  # one line, whatever the parts held
    body = (
        f"{author} wrote in the conversation “{conversation_subject}” ({dossier_name}):\n\n"
        f"{quoted}\n\nRead and answer it at {link}\n"
    )
    return subject, body


# --- attachments -----------------------------------------------------------------------------

# The content types an attachment may have, each with the bytes its files begin with (None:
# text formats that have no signature).
ALLOWED_ATTACHMENT_TYPES: dict[str, tuple[bytes, ...] | None] = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/tiff": (b"II*\x00", b"MM\x00*"),
    "application/xml": None,
    "text/xml": None,
    "text/plain": None,
    "text/csv": None,
    # Office documents are ZIP files.
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
}


class AttachmentRefused(Exception):
    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


def safe_filename(filename: str | None) -> str:
    """The file's own name without any folder, control characters or quotes; 'attachment'
    when nothing is left. At most 200 characters (the extension kept)."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(char for char in name if char.isprintable() and char not in '"<>|*?:')
    name = name.strip(" .")
    if len(name) > 200:
        stem, dot, extension = name.rpartition(".")
        name = (stem[: 199 - len(extension)] + dot + extension) if dot else name[:200]
    return name or "attachment"


def check_attachment(
    content: bytes, filename: str | None, content_type: str | None, max_bytes: int
) -> tuple[str, str]:
    """(safe file name, content type) of an attachment that may be kept, or AttachmentRefused
    naming the file: empty, too large, a type not allowed, or bytes that are not that type."""
    name = safe_filename(filename)
    if len(content) > max_bytes:
        raise AttachmentRefused(f"{name}: larger than {max_bytes} bytes", too_large=True)
    if not content:
        raise AttachmentRefused(f"{name}: the file is empty")
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared not in ALLOWED_ATTACHMENT_TYPES:
        allowed = ", ".join(sorted(ALLOWED_ATTACHMENT_TYPES))
        raise AttachmentRefused(f"{name}: the type {declared or 'none'} is not allowed ({allowed})")
    signatures = ALLOWED_ATTACHMENT_TYPES[declared]
    if signatures is not None and not content.startswith(signatures):
        raise AttachmentRefused(f"{name}: the content is not {declared}")
    if signatures is None:
        try:
            content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AttachmentRefused(f"{name}: {declared} must be UTF-8 text") from exc
    return name, declared


# --- templates -------------------------------------------------------------------------------

# The placeholders a template may use, and what fills them.
PLACEHOLDERS: dict[str, str] = {
    "client_name": "the dossier's (the client company's) name",
    "sender": "who starts the conversation",
    "invoice_number": "the invoice number of the proposal the conversation is about",
    "invoice_date": "its invoice date (YYYY-MM-DD)",
    "counterparty_name": "its supplier or customer",
    "total_incl_vat": "its total including VAT, with the currency",
}


def proposal_values(proposal: Mapping[str, Any]) -> dict[str, str]:
    """The placeholders' values a conversation started from a proposal adds, from the proposal's
    facts (invoice_number, invoice_date, counterparty_name, currency, total_incl_vat); a fact
    the proposal lacks gives an empty value."""
    total = proposal["total_incl_vat"]
    return {
        "invoice_number": proposal["invoice_number"] or "",
        "invoice_date": proposal["invoice_date"].isoformat() if proposal["invoice_date"] else "",
        "counterparty_name": proposal["counterparty_name"] or "",
        "total_incl_vat": f"{total} {proposal['currency'] or ''}".strip() if total else "",
    }


class BraceTemplate(string.Template):
    """`{client_name}` placeholders, `{{` for a literal `{` (a `}` needs no escape). string.Template substitutes
    values as they are (never format() or eval): a value holding `{x}` stays as it is."""

    delimiter = "{"
    pattern = r"""
    \{(?:
      (?P<escaped>\{)                    |  # {{ → {
      (?P<named>[a-z_][a-z0-9_]*)\}      |  # {client_name}
      (?P<braced>(?!))                   |  # (not used)
      (?P<invalid>)                         # any other {
    )
    """  # type: ignore[assignment]
    flags = re.VERBOSE  # lower-case names only: no re.IGNORECASE


class TemplateInvalid(ValueError):
    pass


def _parsed(text: str, where: str) -> BraceTemplate:
    template = BraceTemplate(text)
    if not template.is_valid():
        match = next(
            found for found in template.pattern.finditer(text) if found.group("invalid") is not None
        )
        position = match.start("invalid")
        raise TemplateInvalid(
            f"{where}: a '{{' at position {position - 1} opens no placeholder "
            "(write {{ for a brace; placeholders: "
            + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
            + ")"
        )
    unknown = sorted(set(template.get_identifiers()) - set(PLACEHOLDERS))
    if unknown:
        raise TemplateInvalid(
            f"{where}: unknown placeholder "
            + ", ".join("{" + name + "}" for name in unknown)
            + "; known: "
            + ", ".join("{" + name + "}" for name in PLACEHOLDERS)
        )
    return template


def check_template(subject: str, body: str) -> None:
    """Raises TemplateInvalid naming the field and the placeholder."""
    _parsed(subject, "subject")
    _parsed(body, "body")


def placeholders_used(subject: str, body: str) -> set[str]:
    return set(_parsed(subject, "subject").get_identifiers()) | set(
        _parsed(body, "body").get_identifiers()
    )


def render_template(subject: str, body: str, values: Mapping[str, str]) -> tuple[str, str]:
    """The template filled with `values`; TemplateInvalid naming a placeholder without a value
    (e.g. {invoice_number} for a conversation not started from a proposal)."""
    missing = sorted(placeholders_used(subject, body) - set(values))
    if missing:
        raise TemplateInvalid(
            "the template needs "
            + ", ".join("{" + name + "}" for name in missing)
            + ", which only a conversation started from a proposal has"
        )
    return (
        BraceTemplate(subject).substitute(values),
        BraceTemplate(body).substitute(values),
    )
