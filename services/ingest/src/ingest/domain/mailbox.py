"""The client's mailboxes (seed 003, "Ingevoerde documenten bewerken in de postbussen"). Pure.

A dossier's documents are shown in five boxes:

* `purchase`, `sales`, `misc`: documents still in that mailbox (not yet sent to the office);
* `in_processing`: documents sent to the office (by hand or by auto-forward), until booked;
* `archive`: booked documents, and the sources of merged and split documents (kept, never
  deleted, each naming the documents made of it).

Deleted documents are in no box. A box is listed with filters, sorted on a column, a page at a
time: the cursor of the next page holds the sort key of the page's last row (keyset pagination),
so a page never repeats or skips a row when documents arrive while the client pages.
"""

import base64
import binascii
import json
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID


class Box(StrEnum):
    PURCHASE = "purchase"
    SALES = "sales"
    MISC = "misc"
    IN_PROCESSING = "in_processing"
    ARCHIVE = "archive"


MAILBOXES = (Box.PURCHASE, Box.SALES, Box.MISC)


def box_condition(box: Box) -> tuple[tuple[str, ...], str | None]:
    """The document statuses a box holds and, for the three mailboxes, the mailbox. The archive
    holds booked documents and the sources of merges and splits (`archived`)."""
    if box is Box.IN_PROCESSING:
        return ("in_processing",), None
    if box is Box.ARCHIVE:
        return ("booked", "archived"), None
    return ("in_mailbox",), box.value


class SortColumn(StrEnum):
    """The columns a box can be sorted on, as the mailbox shows them."""

    NAME = "name"
    COUNTERPARTY = "counterparty"
    TOTAL = "total"
    RECEIVED_AT = "received_at"
    DELIVERED_BY = "delivered_by"
    SENDER = "sender"
    PAGES = "pages"
    HANDLED = "handled"
    APPROVAL = "approval"
    CHANNEL = "channel"
    SIZE = "size"


# Each sort column: its SQL expression over `documents` and the SQL type its cursor value is
# read back as. Text sorts without regard to case, as people expect from a list of names.
SORT_EXPRESSIONS: dict[SortColumn, tuple[str, str]] = {
    SortColumn.NAME: ("lower(filename)", "text"),
    SortColumn.COUNTERPARTY: ("lower(counterparty_name)", "text"),
    SortColumn.TOTAL: ("total_incl_vat", "numeric"),
    SortColumn.RECEIVED_AT: ("received_at", "timestamptz"),
    SortColumn.DELIVERED_BY: ("lower(delivered_by)", "text"),
    SortColumn.SENDER: ("lower(sender)", "text"),
    SortColumn.PAGES: ("page_count", "integer"),
    SortColumn.HANDLED: ("handled", "boolean"),
    SortColumn.APPROVAL: ("approval_status", "text"),
    SortColumn.CHANNEL: ("channel", "text"),
    SortColumn.SIZE: ("size_bytes", "integer"),
}


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


class BadCursor(ValueError):
    """The cursor is not one this service gave, or belongs to another sort (422)."""


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: after the row with this sort value and id, in this sort."""

    sort: SortColumn
    order: Order
    value: str | None  # the sort column's value as text; None when the row had none
    document_id: UUID

    def encode(self) -> str:
        raw = json.dumps([self.sort.value, self.order.value, self.value, str(self.document_id)])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str, sort: SortColumn, order: Order) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            sort_name, order_name, value, document_id = json.loads(
                base64.urlsafe_b64decode(padded.encode())
            )
            cursor = cls(SortColumn(sort_name), Order(order_name), value, UUID(document_id))
        except (ValueError, TypeError, binascii.Error) as exc:
            raise BadCursor("the cursor is not valid; start again without one") from exc
        # The value goes back to the database: text only, and never a NUL (PostgreSQL refuses it).
        if value is not None and (not isinstance(value, str) or "\x00" in value):
            raise BadCursor("the cursor is not valid; start again without one")
        if (cursor.sort, cursor.order) != (sort, order):
            raise BadCursor(
                f"the cursor belongs to the sort {cursor.sort.value} {cursor.order.value}; "
                f"ask the first page again for sort {sort.value} {order.value}"
            )
        return cursor


def cursor_value(row_value: Any) -> str | None:
    """A row's sort value as the cursor keeps it (text, read back with the column's type)."""
    if row_value is None:
        return None
    if isinstance(row_value, bool):
        return "true" if row_value else "false"
    if hasattr(row_value, "isoformat"):
        return str(row_value.isoformat())
    return str(row_value)


# --- labels --------------------------------------------------------------------------------

MAX_LABELS = 50
MAX_LABEL_LENGTH = 60


class BadLabel(ValueError):
    """A label that is empty, too long or one too many (422)."""


def clean_label(label: str) -> str:
    """A label as stored: inner whitespace collapsed, 1 to 60 characters."""
    cleaned = " ".join(label.split())
    if not cleaned:
        raise BadLabel("a label cannot be empty")
    if len(cleaned) > MAX_LABEL_LENGTH:
        raise BadLabel(
            f"the label {cleaned[:20]!r}... is longer than {MAX_LABEL_LENGTH} characters"
        )
    if any(not ch.isprintable() for ch in cleaned):
        raise BadLabel(f"the label {cleaned!r} contains control characters")
    return cleaned


def with_labels(current: list[str], added: list[str]) -> list[str]:
    """The labels after adding some. Labels are compared without case (approval rules do the
    same); an added label that is already there keeps its first spelling."""
    result = list(current)
    seen = {label.casefold() for label in result}
    for label in added:
        cleaned = clean_label(label)
        if cleaned.casefold() not in seen:
            seen.add(cleaned.casefold())
            result.append(cleaned)
    if len(result) > MAX_LABELS:
        raise BadLabel(f"a document has at most {MAX_LABELS} labels")
    return result


def without_label(current: list[str], removed: str) -> list[str]:
    gone = " ".join(removed.split()).casefold()
    return [label for label in current if label.casefold() != gone]


# --- deletion ------------------------------------------------------------------------------


def deletion_refusal(status: str, approval_status: str | None) -> str | None:
    """Why a document may not be deleted by the client (409), or None.

    A document in its mailbox may be deleted. Once sent to the office (in processing or booked)
    it belongs to the office's work and may not, except an invoice rejected in approval: the
    approval process lets a rejected invoice only be opened or deleted (issue 11), even when
    auto-forward had already sent it.
    """
    if status == "in_mailbox":
        return None
    if approval_status == "rejected" and status == "in_processing":
        return None
    if status == "booked":
        return "it is booked; a booked document cannot be deleted"
    if status == "archived":
        return "it was merged or split into other documents and is kept in the archive"
    return "it was sent to the office (in processing); ask the office to remove it"


@dataclass(frozen=True)
class Filters:
    """What a box listing is narrowed to; None or empty: no narrowing."""

    mailbox: str | None = None  # for in_processing and archive: only this mailbox's documents
    labels: tuple[str, ...] = ()  # documents with at least one of them (case-insensitive)
    handled: bool | None = None
    received_from: Any = None  # a date, inclusive
    received_to: Any = None  # a date, inclusive
    sender: str | None = None  # part of the sender's address or the delivering user
    approval: str | None = None  # to_approve_by_me, to_approve, approved, rejected
    text: str | None = None  # part of the name, the counterparty, the invoice number, the subject
    duplicates_only: bool = False
    counterparty: str | None = None  # part of the counterparty's name (after recognition)
    amount_min: Decimal | None = None  # total incl. VAT at least (after recognition)
    amount_max: Decimal | None = None  # total incl. VAT at most
    payment: str | None = None  # a PaymentFilter value


class PaymentFilter(StrEnum):
    """The payment column of the mailbox, as payments' events set it (`payment.queued.v1`,
    `payment.settled.v1`): `none` is an invoice no payment was made for yet."""

    NONE = "none"
    IN_BASKET = "in_basket"
    IN_PROCESSING = "in_processing"  # "payment in processing": in a SEPA file
    PAID = "paid"


def amount_range_problem(amount_min: Decimal | None, amount_max: Decimal | None) -> str | None:
    """Why an amount range is refused (422), or None. Amounts are compared as the mailbox shows
    them: the total incl. VAT, a credit note's negative."""
    for name, value in (("amount_min", amount_min), ("amount_max", amount_max)):
        if value is not None and not value.is_finite():
            return f"{name} must be a number"
    if amount_min is not None and amount_max is not None and amount_min > amount_max:
        return f"amount_min ({amount_min}) is above amount_max ({amount_max})"
    return None
