"""Mail to a dossier: which mailbox an address delivers to, who may send, what becomes a document.

Every active dossier has four addresses on its mail domain (seed 003, "Invoerkanalen"):
`<code>@` (the dossier's unique address), `aankoop-<code>@` (purchase), `verkoop-<code>@`
(sales) and `divers-<code>@` (misc). The unique address delivers to the purchase mailbox, as the
HTTP upload does when no mailbox is named: most of what clients forward are purchase invoices.
Addresses are compared without regard to case (mail clients and forwarders change it).

Where the dossier has several purchase (or sales) journals, each of them also has an address of
its own: `aankoop-<journal>-<code>@` (`verkoop-<journal>-<code>@` for sales), the journal's code
in lower case, e.g. `aankoop-cfaan2-peeters@`. It delivers to the purchase (sales) mailbox, the
document records the journal, and the worklist proposes the booking in it. Credit-note-only
journals do not count and get no address (the worklist picks them by the document's type); nor
does a journal whose code cannot be written in an address (only letters, digits and `.`, `_`,
`-` between them). The journals are ingest's copy of those `ledger.synced.v1` carries.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr

from ingest.domain.documents import DocumentKind, DocumentRefused, Limits, examine

MAILBOX_PREFIXES = {"aankoop-": "purchase", "verkoop-": "sales", "divers-": "misc"}
UNIQUE_ADDRESS_MAILBOX = "purchase"
JOURNAL_MAILBOXES = ("purchase", "sales")  # the journal types with addresses of their own
ADDRESSABLE_JOURNAL_CODE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")


@dataclass(frozen=True)
class Route:
    """A reading of a recipient address: the dossier code and domain it names, the mailbox,
    and the journal (lower case) when it is a journal's own address."""

    code: str
    domain: str
    mailbox: str
    journal: str | None = None


@dataclass(frozen=True)
class JournalCopy:
    """A purchase or sales journal of the dossier, as ledger.synced.v1 told ingest."""

    code: str
    type: str
    credit_note_only: bool = False


def routes_for(address: str) -> list[Route]:
    """The readings of a recipient address, most specific first.

    `aankoop-x@d` reads as the purchase mailbox of dossier `x`, and also as the unique address
    of a dossier whose code is `aankoop-x` (a code may contain hyphens); `aankoop-j-x@d` reads
    first as journal `j` of dossier `x` (every split at a hyphen, the shortest journal first),
    then as above. The caller takes the first reading that names an active dossier (and, for a
    journal reading, one of its addressable journals: `journal_of`). No reading for an address
    without a local part or domain.
    """
    local, at, domain = address.strip().strip("<>").rpartition("@")
    local, domain = local.strip().lower(), domain.strip().lower().rstrip(".")
    if not at or not local or not domain:
        return []
    journal_routes: list[Route] = []
    routes: list[Route] = []
    for prefix, mailbox in MAILBOX_PREFIXES.items():
        if not local.startswith(prefix) or len(local) == len(prefix):
            continue
        rest = local.removeprefix(prefix)
        routes.append(Route(rest, domain, mailbox))
        if mailbox in JOURNAL_MAILBOXES:
            journal_routes += [
                Route(rest[at + 1 :], domain, mailbox, rest[:at])
                for at, char in enumerate(rest)
                if char == "-" and 0 < at < len(rest) - 1
            ]
    return [*journal_routes, *routes, Route(local, domain, UNIQUE_ADDRESS_MAILBOX)]


def addressable_journals(journals: Iterable[JournalCopy]) -> dict[str, list[str]]:
    """The journals with an address of their own, by mailbox (purchase, sales), in code order:
    those of a type the dossier has several of (not counting credit-note-only ones)."""
    found: dict[str, list[str]] = {}
    for mailbox in JOURNAL_MAILBOXES:
        of_type = sorted(j.code for j in journals if j.type == mailbox and not j.credit_note_only)
        if len(of_type) > 1:
            codes = [c for c in of_type if ADDRESSABLE_JOURNAL_CODE.fullmatch(c.lower())]
            if codes:
                found[mailbox] = codes
    return found


def journal_of(route: Route, journals: Iterable[JournalCopy]) -> str | None:
    """The journal (its code as the books spell it) a journal reading names, if the dossier
    gives it an address; None for any other reading or an unknown journal."""
    if route.journal is None:
        return None
    for code in addressable_journals(journals).get(route.mailbox, []):
        if code.lower() == route.journal:
            return code
    return None


def journal_address(journal: str, mailbox: str, code: str, domain: str) -> str:
    prefix = next(p for p, box in MAILBOX_PREFIXES.items() if box == mailbox)
    return f"{prefix}{journal.lower()}-{code.lower()}@{domain}"


def addresses_of(code: str, domain: str) -> dict[str, str]:
    """The dossier's four addresses, by what they deliver to ("unique" is the plain one)."""
    code = code.lower()
    addresses = {"unique": f"{code}@{domain}"}
    for prefix, mailbox in MAILBOX_PREFIXES.items():
        addresses[mailbox] = f"{prefix}{code}@{domain}"
    return addresses


def normalise_whitelist_entry(entry: str) -> str:
    """A whitelist entry is an address (`invoices@supplier.be`) or a whole domain
    (`supplier.be` or `@supplier.be`); kept lower case, a domain without its `@`."""
    cleaned = entry.strip().lower()
    if cleaned.startswith("@"):
        cleaned = cleaned[1:]
    local, at, domain = cleaned.rpartition("@")
    if (
        not cleaned
        or any(ch.isspace() for ch in cleaned)
        or (at and not local)
        or "@" in local
        or "." not in (domain if at else cleaned)
    ):
        raise ValueError(
            f"{entry!r} is neither an e-mail address nor a domain (like invoices@supplier.be "
            "or supplier.be)"
        )
    return cleaned


def sender_allowed(sender: str, whitelist: list[str]) -> bool:
    """Whether the envelope sender is on the whitelist, as an address or by its domain."""
    address = sender.strip().strip("<>").lower()
    _, at, domain = address.rpartition("@")
    if not at:
        return False
    return address in whitelist or domain in whitelist


@dataclass(frozen=True)
class Attachment:
    filename: str | None
    content: bytes
    kind: DocumentKind
    page_count: int | None = None


@dataclass(frozen=True)
class Skipped:
    filename: str | None
    reason: str


# Parts that sign the mail (S/MIME, PGP) rather than carry a document: not attachments.
SIGNATURE_TYPES = frozenset(
    {"application/pkcs7-signature", "application/x-pkcs7-signature", "application/pgp-signature"}
)


def attachments_of(message: EmailMessage, limits: Limits) -> tuple[list[Attachment], list[Skipped]]:
    """The mail's parts that are documents ingest accepts, and the other parts with why not.

    Every leaf part counts except the mail's own text (text/plain or text/html without a file
    name) and signatures: mail clients mark PDFs `inline` as often as `attachment`. What a part
    is comes from its bytes (`examine`: kind, size, pages, password, pixels), never from its
    name or declared type.
    """
    usable: list[Attachment] = []
    skipped: list[Skipped] = []
    for part in message.walk():
        if part.is_multipart() or part.get_content_type() in SIGNATURE_TYPES:
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_type() in ("text/plain", "text/html"):
            continue
        payload = part.get_payload(decode=True)
        content = payload if isinstance(payload, bytes) else b""
        try:
            examined = examine(content, limits)
            usable.append(Attachment(filename, content, examined.kind, examined.page_count))
        except DocumentRefused as exc:
            skipped.append(Skipped(filename, str(exc)))
    return usable, skipped


def refusal(usable: list[Attachment], skipped: list[Skipped]) -> str | None:
    """Why the mail is refused as a whole, in one line; None when every attachment is a
    document. One unusable attachment refuses the mail: storing the rest would let the sender
    believe the whole mail arrived."""
    if skipped:
        first = skipped[0]
        return (
            f"attachment {first.filename or '(unnamed)'} is refused: {first.reason}; "
            "nothing of this message was stored"
        )
    if not usable:
        return "the message has no attachment; attach the invoice as a PDF, image or UBL/CII XML"
    return None


def sender_of(message: EmailMessage, envelope_sender: str) -> str:
    """Who sent the mail, as recorded on the documents: the From header's address, else the
    envelope sender (a forwarding rule keeps From but may rewrite the envelope)."""
    _, address = parseaddr(str(message.get("From", "")))
    return (address or envelope_sender).strip()[:320]
