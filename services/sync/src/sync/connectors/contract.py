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
from decimal import Decimal
from typing import Protocol, runtime_checkable
from uuid import UUID

from ledgerline.events.catalog import (
    CURRENCY_PATTERN,
    GL_ACCOUNT_PATTERN,
    PERIOD_PATTERN,
    AccountType,
    BookingFailed,
    BookingPeriod,
    Counterparty,
    CounterpartyKind,
    GLAccount,
    Journal,
    JournalType,
    LedgerSynced,
    OpenItem,
    PeriodStatus,
    VatCode,
    VatDirection,
    VatKind,
    VatRegime,
)
from ledgerline.money import Amount
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "CURRENCY_PATTERN",
    "GL_ACCOUNT_PATTERN",
    "PERIOD_PATTERN",
    "AccountType",
    "BookingFailed",
    "BookingPeriod",
    "Counterparty",
    "CounterpartyKind",
    "GLAccount",
    "Journal",
    "JournalType",
    "LedgerSynced",
    "OpenItem",
    "PeriodStatus",
    "VatCode",
    "VatDirection",
    "VatKind",
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


class CounterpartyTurnover(ContractModel):
    """Turnover excluding VAT with one counterparty in one booking period, credit notes
    deducted (for the top 10 customers and suppliers)."""

    kind: CounterpartyKind
    counterparty_number: str
    period: str = Field(pattern=PERIOD_PATTERN)
    amount_excl_vat: Amount
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)


class LedgerMovement(ContractModel):
    """One posting on a GL account in the dossier's currency, debit positive (the P&L and the
    balance sheet are sums of these). A foreign-currency posting counts at its booked rate."""

    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    period: str = Field(pattern=PERIOD_PATTERN)
    date: date
    amount: Amount


class OpenItemMovement(ContractModel):
    """A line of an open item's history: the invoice or credit note itself, then what settled
    it (payments, credit notes applied to it, other bookings), in the item's own sign: the
    invoice is positive, a payment of it negative."""

    kind: str = Field(description="invoice, credit_note, payment or other")
    journal: str
    document_number: str
    date: date
    period: str | None = None
    amount: Amount
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    description: str | None = None


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


# --------------------------------------------------------------------------- what it receives


class NewCounterparty(ContractModel):
    """A counterparty the worklist found on the invoice but the package does not know yet."""

    name: str
    vat_number: str | None = None
    ibans: tuple[str, ...] = ()
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    default_gl_account: str | None = Field(default=None, pattern=GL_ACCOUNT_PATTERN)
    default_vat_code: str | None = None


class BookingHeader(ContractModel):
    journal: str = Field(examples=["CFAAN"])
    period: str = Field(pattern=PERIOD_PATTERN, examples=["2026-03"])
    counterparty_number: str = Field(description="Existing number, or the number to create")
    new_counterparty: NewCounterparty | None = Field(
        default=None, description="Create the counterparty with this number first (status ok_new)"
    )
    invoice_number: str | None = None
    invoice_date: date
    due_date: date | None = None
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    exchange_rate: Amount | None = Field(
        default=None, description="Units of currency per EUR, when the currency is not EUR"
    )
    total_excl_vat: Amount
    total_vat: Amount
    total_incl_vat: Amount
    structured_communication: str | None = None
    description: str | None = None
    credit_note: bool = False


class BookingLine(ContractModel):
    """A detail line: the GL account and amount excluding VAT, as validated in the worklist."""

    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    amount_excl_vat: Amount = Field(description="Positive; a credit note reverses the signs")
    vat_code: str | None = None
    vat_amount: Amount = Decimal(0)
    description: str | None = None


class VatLine(ContractModel):
    """One line of the VAT breakdown: base and VAT per VAT code."""

    vat_code: str
    base: Amount
    vat_amount: Amount


class BookingToPost(ContractModel):
    proposal_id: UUID = Field(description="Idempotency key: posting twice gives the same booking")
    document_id: UUID | None = None
    header: BookingHeader
    lines: tuple[BookingLine, ...] = Field(min_length=1)
    vat_lines: tuple[VatLine, ...] = ()
    validated_by: str | None = None

    @model_validator(mode="after")
    def _one_currency_of_amounts(self) -> "BookingToPost":
        if self.header.currency != "EUR" and self.header.exchange_rate is None:
            raise ValueError("a foreign-currency booking needs its exchange rate")
        return self


class PostedBooking(ContractModel):
    proposal_id: UUID
    journal: str
    document_number: str
    period: str
    transaction_id: str = Field(description="The ledger's id of the transaction")
    already_posted: bool = Field(
        default=False, description="True when the proposal had been posted before"
    )


class BookingToDelete(ContractModel):
    journal: str
    document_number: str
    reason: str | None = None


class PaymentToJournalise(ContractModel):
    payment_id: UUID = Field(description="Idempotency key")
    paid_on: date
    bank_account_iban: str
    counterparty_number: str
    kind: CounterpartyKind = "supplier"
    amount: Amount = Field(gt=0, description="Amount paid (supplier) or received (customer)")
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    settles_journal: str | None = None
    settles_document_number: str | None = None
    communication: str | None = None


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

    def delete_booking(self, dossier_code: str, booking: BookingToDelete) -> None:
        """Delete a booking posted through one of the platform's journals."""
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


# --------------------------------------------------------------------------- Kafka messages


class BookingRequested(ContractModel):
    """`booking.requested.v1`: sync asks an out-of-process connector to post a booking."""

    dossier_code: str
    accounting_package: str
    booking: BookingToPost


class BookingDeleteRequested(ContractModel):
    """`booking.delete-requested.v1`: sync asks a connector to delete a booking."""

    dossier_code: str
    accounting_package: str
    booking: BookingToDelete


class PaymentsJournaliseRequested(ContractModel):
    """`payments.journalise-requested.v1`: sync asks a connector to book payments."""

    dossier_code: str
    accounting_package: str
    payments: tuple[PaymentToJournalise, ...] = Field(min_length=1)


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
    BookingToPost,
    PostedBooking,
    BookingToDelete,
    PaymentToJournalise,
    JournalisedPayment,
    BookingRequested,
    BookingDeleteRequested,
    PaymentsJournaliseRequested,
    BookingFailed,
    LedgerSynced,
)
"""The models whose JSON Schemas are published in docs/connectors/."""
