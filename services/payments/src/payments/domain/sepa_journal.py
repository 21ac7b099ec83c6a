"""Journalising a SEPA credit-transfer file's payments (seed 001, "Betalen crediteuren":
"Journaliseer de verrichte betalingen nadat de betaalopdrachten naar de bank zijn gestuurd").

Pure rules: when a file may be journalised (once it went to the bank: downloaded or e-mailed),
which of its payments are journalised (those still in processing; one the books settled
already, or the bank rejected, is not), and the execution date of each transaction as the file
itself says it (`ReqdExctnDt` of its payment information block; the file made a past date today).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from uuid import UUID

from ledgerline.xml import safe_parser
from lxml import etree

from payments.domain.payment import PaymentStatus

# Kind of money movement a SEPA credit transfer is in payment.settled.v1: money out, to a
# supplier (the open item of a purchase invoice).
CREDIT_TRANSFER_KIND = "supplier"


class FileStatus(StrEnum):
    GENERATED = "generated"  # made, not yet downloaded nor e-mailed
    SENT_TO_BANK = "sent_to_bank"  # downloaded (to upload in the bank's site) or e-mailed
    JOURNALISED = "journalised"  # its payments are journalised in the books


class NotSentToBank(ValueError):
    """The file has not gone to the bank yet: its payments are not made, nothing to journalise."""


@dataclass(frozen=True)
class FileTrail:
    """What happened to a SEPA file after it was made."""

    downloaded_at: datetime | None
    emailed_at: datetime | None
    journalised_at: datetime | None

    @property
    def sent_to_bank_at(self) -> datetime | None:
        sent = [moment for moment in (self.downloaded_at, self.emailed_at) if moment is not None]
        return min(sent) if sent else None

    @property
    def status(self) -> FileStatus:
        if self.journalised_at is not None:
            return FileStatus.JOURNALISED
        if self.sent_to_bank_at is not None:
            return FileStatus.SENT_TO_BANK
        return FileStatus.GENERATED


def check_journalisable(file_id: UUID, trail: FileTrail) -> None:
    """The office journalises the payments after the payment orders went to the bank: a file
    that was neither downloaded nor e-mailed may still be thrown away, its payments unmade."""
    if trail.sent_to_bank_at is None:
        raise NotSentToBank(
            f"SEPA file {file_id} has not been sent to the bank yet: download it or e-mail it "
            "to the bank first, then journalise its payments"
        )


def to_journalise(
    payments: Iterable[tuple[UUID, str]],
) -> tuple[list[UUID], list[UUID]]:
    """(payment id, status) of the file's payments -> (to journalise, left alone). Only a payment
    still in processing is journalised: a paid one was settled by the books or journalised
    already; one back in the basket (rejected by the bank) was not made."""
    journalise: list[UUID] = []
    skipped: list[UUID] = []
    for payment_id, status in payments:
        (journalise if status == PaymentStatus.IN_PROCESSING else skipped).append(payment_id)
    return journalise, skipped


class UnreadableFile(ValueError):
    """A stored SEPA file that cannot be read back (it was validated when made: a defect)."""


@dataclass(frozen=True)
class FileTransaction:
    """A credit transfer as the pain.001 file gives it to the bank."""

    payment_information_id: str
    end_to_end_id: str
    execution_date: date


def file_transactions(content: bytes) -> tuple[FileTransaction, ...]:
    """The transactions of a pain.001.001.03 or .09 file, with the requested execution date of
    their block (`ReqdExctnDt` is a date in .03 and holds `Dt` in .09)."""
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile(f"the SEPA file cannot be read: {exc}") from exc
    found: list[FileTransaction] = []
    for block in root.iter("{*}PmtInf"):
        block_id = (block.findtext("{*}PmtInfId") or "").strip()
        requested = next(block.iterchildren("{*}ReqdExctnDt"), None)
        if requested is None:
            raise UnreadableFile("a payment information block has no requested execution date")
        text = requested.text if len(requested) == 0 else requested[0].text
        when = date.fromisoformat((text or "").strip())
        for transaction in block.iter("{*}CdtTrfTxInf"):
            end_to_end = (transaction.findtext("{*}PmtId/{*}EndToEndId") or "").strip()
            if not end_to_end:
                raise UnreadableFile("a transaction of the file has no end-to-end id")
            found.append(FileTransaction(block_id, end_to_end, when))
    return tuple(found)


def execution_dates(content: bytes) -> dict[str, date]:
    """End-to-end id -> requested execution date, read from the file."""
    return {t.end_to_end_id: t.execution_date for t in file_transactions(content)}


def settled_on(end_to_end_id: str | None, dates: Mapping[str, date]) -> date:
    """The day the payment left the account, in the books: its execution date in the file."""
    if end_to_end_id is None or end_to_end_id not in dates:
        raise UnreadableFile(f"the SEPA file has no transaction {end_to_end_id}")
    return dates[end_to_end_id]
