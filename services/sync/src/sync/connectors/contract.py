"""The accounting-package connector contract.

A connector is the platform's door to one accounting package. It *provides* the dossier's
ledger master data and open items (one consistent `LedgerSnapshot`), and it *receives*
bookings to post, bookings to delete and payments to journalise. The package stays the master
of the books: everything here is what the package says, never a copy the platform keeps.

The models are the contract for both ways in (`docs/connectors.md`): the in-process `Connector`
protocol the sync service calls, and the Kafka messages an out-of-process connector exchanges.
Their JSON Schemas are exported to `docs/connectors/` (`uv run sync connector-schemas`).
Amounts are `Decimal` in Python and decimal strings in JSON, never floats.
"""

from datetime import date, datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

from ledgerline.events.catalog import (
    CURRENCY_PATTERN,
    GL_ACCOUNT_PATTERN,
    PERIOD_PATTERN,
    AccountTotal,
    AccountType,
    BookingDeleted,
    BookingDeleteFailed,
    BookingDeleteRequested,
    BookingFailed,
    BookingHeader,
    BookingLine,
    BookingPeriod,
    BookingRequested,
    BookingToDelete,
    BookingToPost,
    Counterparty,
    CounterpartyKind,
    CounterpartyTurnover,
    GLAccount,
    ItemHistory,
    Journal,
    JournalType,
    LedgerSynced,
    LedgerSyncRequested,
    NewCounterparty,
    OpenItem,
    OpenItemMovement,
    PaymentsJournaliseRequested,
    PaymentToJournalise,
    PeriodStatus,
    VatCode,
    VatDirection,
    VatKind,
    VatLine,
    VatRegime,
)
from ledgerline.money import Amount
from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "CURRENCY_PATTERN",
    "GL_ACCOUNT_PATTERN",
    "PERIOD_PATTERN",
    "AccountTotal",
    "AccountType",
    "BookingDeleteFailed",
    "BookingDeleteRequested",
    "BookingDeleted",
    "BookingFailed",
    "BookingHeader",
    "BookingLine",
    "BookingPeriod",
    "BookingRequested",
    "BookingToDelete",
    "BookingToPost",
    "Counterparty",
    "CounterpartyKind",
    "CounterpartyTurnover",
    "GLAccount",
    "ItemHistory",
    "Journal",
    "JournalType",
    "LedgerSyncRequested",
    "LedgerSynced",
    "NewCounterparty",
    "OpenItem",
    "OpenItemMovement",
    "PaymentToJournalise",
    "PaymentsJournaliseRequested",
    "PeriodStatus",
    "VatCode",
    "VatDirection",
    "VatKind",
    "VatLine",
    "VatRegime",
]


class ContractModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- what it provides
# The ledger records (GLAccount, VatCode, Journal, BookingPeriod, Counterparty, OpenItem) are
# shared with the consumers of ledger.synced.v1: they live in ledgerline.events.catalog.


class BankAccount(ContractModel):
    iban: str
    bic: str | None = None
    holder_name: str
    town: str | None = Field(default=None, description="The holder's town (for SEPA files)")
    country: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="The holder's country, ISO 3166 alpha-2"
    )
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    journal: str | None = None


class FinancialTransaction(ContractModel):
    """A line of a financial (bank) journal."""

    journal: str
    document_number: str
    date: date
    bank_account_iban: str | None
    counterparty_number: str | None = None
    amount: Amount = Field(description="Positive = money in, negative = money out")
    currency: str = "EUR"
    communication: str | None = None
    settles: tuple[str, ...] = Field(
        default=(), description="Open items settled, as `journal/document number`"
    )


class LedgerMovement(ContractModel):
    """One posting on a GL account in the dossier's currency, debit positive (the P&L and the
    balance sheet are sums of these). A foreign-currency posting counts at its booked rate."""

    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    period: str = Field(pattern=PERIOD_PATTERN)
    date: date
    amount: Amount


class LedgerSnapshot(ContractModel):
    """Everything a connector provides about one dossier, read consistently at one moment."""

    dossier_code: str
    read_at: datetime
    up_to_date_until: date | None = None
    gl_accounts: tuple[GLAccount, ...] = ()
    vat_codes: tuple[VatCode, ...] = ()
    journals: tuple[Journal, ...] = ()
    periods: tuple[BookingPeriod, ...] = ()
    counterparties: tuple[Counterparty, ...] = ()
    open_items: tuple[OpenItem, ...] = Field(
        default=(), description="Items with an open amount; settled ones are left out"
    )
    bank_accounts: tuple[BankAccount, ...] = ()
    financial_transactions: tuple[FinancialTransaction, ...] = ()
    turnover: tuple[CounterpartyTurnover, ...] = ()
    account_totals: tuple[AccountTotal, ...] = Field(
        default=(), description="Feedback: net per GL account and period (see AccountTotal)"
    )
    item_histories: tuple[ItemHistory, ...] = Field(
        default=(),
        description="Feedback: every invoice and credit note, settled too, with its history",
    )


# --------------------------------------------------------------------------- what it receives
# The requests (BookingToPost, BookingToDelete, PaymentToJournalise and their Kafka messages
# BookingRequested, BookingDeleteRequested, PaymentsJournaliseRequested) travel as events to an
# out-of-process connector: they live in ledgerline.events.catalog. The answers are here.


class PostedBooking(ContractModel):
    proposal_id: UUID
    journal: str
    document_number: str
    period: str
    transaction_id: str = Field(description="The ledger's id of the transaction")
    already_posted: bool = Field(
        default=False, description="True when the proposal had been posted before"
    )


class DeletedBooking(ContractModel):
    proposal_id: UUID
    journal: str
    document_number: str
    period: str | None = None
    already_deleted: bool = Field(
        default=False,
        description="True when the books no longer had the proposal's booking (deleted before)",
    )


class JournalisedPayment(ContractModel):
    payment_id: UUID
    journal: str
    document_number: str
    transaction_id: str
    already_journalised: bool = False


# --------------------------------------------------------------------------- errors and protocol


class ConnectorError(Exception):
    """Base class. `retryable` tells the caller whether trying again later may succeed."""

    retryable = False

    def __init__(self, reason: str, details: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.details = details


class BookingRefused(ConnectorError):
    """The package refused the booking (unbalanced, unknown account, closed period...)."""


class UnknownDossier(ConnectorError):
    """The package has no dossier with that code."""


class ConnectorUnavailable(ConnectorError):
    """The package cannot be reached now; nothing was written. Retry with backoff."""

    retryable = True


@runtime_checkable
class Connector(Protocol):
    """What the sync service calls. Every write is idempotent on its key and atomic:
    either the whole booking is in the books or nothing of it is."""

    name: str

    def snapshot(self, dossier_code: str) -> LedgerSnapshot:
        """Read the dossier's master data, open items and bank data at one moment."""
        ...

    def post_booking(self, dossier_code: str, booking: BookingToPost) -> PostedBooking:
        """Post a booking; the same proposal id again returns the first result."""
        ...

    def delete_booking(self, dossier_code: str, booking: BookingToDelete) -> DeletedBooking:
        """Delete the proposal's booking from one of the platform's journals; when the books no
        longer have it, answer `already_deleted` and write nothing."""
        ...

    def journalise_payments(
        self, dossier_code: str, payments: tuple[PaymentToJournalise, ...]
    ) -> tuple[JournalisedPayment, ...]:
        """Book payments made from the platform in the financial journal of their bank account."""
        ...

    def close_periods(self, dossier_code: str, period_codes: tuple[str, ...]) -> date | None:
        """Close booking periods (a manual sync's new active period closes the earlier ones);
        periods closed already are left alone. Returns the day they close on (None: nothing to
        close); a period the dossier does not know raises BookingRefused."""
        ...


CONTRACT_MODELS: tuple[type[BaseModel], ...] = (
    LedgerSnapshot,
    GLAccount,
    VatCode,
    Journal,
    BookingPeriod,
    Counterparty,
    OpenItem,
    BankAccount,
    FinancialTransaction,
    CounterpartyTurnover,
    AccountTotal,
    ItemHistory,
    OpenItemMovement,
    BookingToPost,
    PostedBooking,
    BookingToDelete,
    DeletedBooking,
    PaymentToJournalise,
    JournalisedPayment,
    BookingRequested,
    BookingDeleteRequested,
    PaymentsJournaliseRequested,
    LedgerSyncRequested,
    BookingFailed,
    BookingDeleted,
    BookingDeleteFailed,
    LedgerSynced,
)
"""The models whose JSON Schemas are published in docs/connectors/."""
