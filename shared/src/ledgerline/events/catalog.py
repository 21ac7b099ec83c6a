"""Every v1 event: its Kafka topic, CloudEvents type and data model."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ledgerline.events.invoice import InvoiceData, RecognitionSource, RecognitionStatus
from ledgerline.money import Amount

TYPE_PREFIX = "be.ledgerline."
DLQ_SUFFIX = ".dlq"


class EventData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


@dataclass(frozen=True)
class EventSpec:
    name: str
    version: int
    model: type[EventData]
    description: str
    # The Kafka key, so the partition: Kafka keeps order per key. "dossier" (the default)
    # keeps a dossier's events of this type in order; "document" spreads one dossier's
    # documents over every partition, for events whose consumers need order per document only.
    key: Literal["dossier", "document"] = "dossier"

    @property
    def topic(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def type(self) -> str:
        return f"{TYPE_PREFIX}{self.topic}"

    @property
    def dlq_topic(self) -> str:
        return self.topic + DLQ_SUFFIX

    def message_key(self, data: "EventData", dossier_id: object) -> str:
        """The Kafka key of one event of this type: its dossier, or its document."""
        if self.key == "document":
            return str(data.document_id)  # type: ignore[attr-defined]
        return str(dossier_id)


Mailbox = Literal["purchase", "sales", "misc"]
Channel = Literal["upload", "email", "api", "peppol"]


class DocumentReceived(EventData):
    document_id: UUID
    mailbox: Mailbox
    channel: Channel
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    received_at: datetime
    delivered_by: str | None = None
    content_url: str = Field(
        description="Where the content can be fetched over HTTP (service token)"
    )
    content_base64: str | None = Field(
        default=None,
        description="The file itself (standard base64) when it is small (at most "
        "`INGEST_EVENT_CONTENT_MAX_BYTES`, 64 KiB by default: a UBL invoice), so its reader "
        "need not fetch `content_url`; absent for larger files. Its sha256 is `sha256`",
    )
    labels: tuple[str, ...] = Field(
        default=(), description="The client's labels given at delivery (approval rules use them)"
    )
    duplicate_of: UUID | None = Field(
        default=None,
        description="The dossier's earliest document with the same content (sha256), if any",
    )
    dossier_vat_number: str | None = Field(
        default=None,
        description="The dossier's own VAT number: on a purchase invoice the buyer's, never the "
        "supplier's (recognition uses it to tell the two parties apart)",
    )
    journal: str | None = Field(
        default=None,
        examples=["CFAAN2"],
        description="The journal the client chose by mailing a journal's own address "
        "(`aankoop-<journal>-<code>@`, where the dossier has several purchase or sales "
        "journals); the worklist proposes the booking in it",
    )


class DocumentRecognized(EventData):
    document_id: UUID
    status: RecognitionStatus
    source: RecognitionSource
    confidence: float = Field(ge=0, le=1)
    field_confidence: dict[str, float] = {}
    reason: str | None = Field(
        default=None, description="Why the status is not ok, or a note on how it was read"
    )
    invoice: InvoiceData | None = None


class DocumentSubmitted(EventData):
    document_id: UUID
    mailbox: Mailbox
    submitted_at: datetime
    submitted_by: str
    journal: str | None = Field(
        default=None,
        examples=["CFAAN2"],
        description="The journal the document was mailed to, as in document.received.v1",
    )


class DocumentLabelsChanged(EventData):
    """The client changed a document's labels after delivery; `labels` is the whole new set."""

    document_id: UUID
    labels: tuple[str, ...]
    changed_by: str
    changed_at: datetime


class DocumentDeleted(EventData):
    """A document was deleted from its mailbox (soft: ingest keeps the row, with the reason)."""

    document_id: UUID
    deleted_by: str
    deleted_at: datetime
    reason: str | None = None


class DocumentArchived(EventData):
    """A document was merged or split into new documents and left its mailbox for the archive.
    It is kept (not deleted) and names the documents made of it, each announced with its own
    `document.received.v1`. Whatever waited on this one (an invoice approval, an unsent
    proposal) is dropped: the new documents take its place."""

    document_id: UUID
    operation: Literal["merge", "split"]
    replaced_by: tuple[UUID, ...] = Field(
        min_length=1, description="The documents made of it (a merge: one; a split: its parts)"
    )
    archived_by: str
    archived_at: datetime


class DocumentMoved(EventData):
    """The office moved a document (and its proposal) to another dossier of the same office.
    The envelope's dossier is the new one; ingest files the document there."""

    document_id: UUID
    from_dossier_id: UUID = Field(description="The dossier the document was in")
    moved_by: str
    moved_at: datetime


class DocumentRecognitionRequested(EventData):
    """The office asked recognition to read a document again (its proposal was OCR, Empty or
    Nok): recognition publishes document.recognized.v1 again for it."""

    document_id: UUID
    mailbox: Mailbox = Field(description="The document's mailbox now (it may have changed)")
    requested_by: str
    requested_at: datetime


class DocumentMergeRequested(EventData):
    """The office merged the proposals of documents sent to it into one (worklist): ingest
    merges the documents' pages in this order into a new document (document.received.v1 and
    document.submitted.v1) and archives them, or answers document.merge-refused.v1."""

    merge_id: UUID
    document_ids: tuple[UUID, ...] = Field(min_length=2, max_length=50)
    requested_by: str
    requested_at: datetime


class DocumentMergeRefused(EventData):
    """Ingest could not merge the documents of a document.merge-requested.v1; none changed."""

    merge_id: UUID
    document_ids: tuple[UUID, ...]
    reason: str


class ProposalLine(EventData):
    """A detail line as validated in the worklist: GL account and amount excluding VAT."""

    gl_account: str = Field(pattern=r"^[0-9]{3,10}$", examples=["604000"])
    amount_excl_vat: Amount = Field(description="Positive; a credit note reverses the signs")
    vat_code: str | None = Field(default=None, examples=["A21"])
    vat_amount: Amount = Decimal(0)
    description: str | None = None


class ProposalVatLine(EventData):
    """One line of the VAT breakdown: base and VAT per VAT code."""

    vat_code: str
    base: Amount
    vat_amount: Amount


class ProposalValidated(EventData):
    """A proposal the office (or client) validated: sync posts it to the dossier's package.

    `lines` and `vat_lines` are optional: without detail lines the booking is posted "without
    detail", on the dossier's suspense account (999999), to be completed in the package."""

    proposal_id: UUID
    document_id: UUID
    journal: str | None = Field(
        default=None,
        description="Journal code; without it, the dossier's purchase or sales journal",
    )
    period: str | None = Field(default=None, description="YYYY-MM; without it, the invoice date's")
    counterparty_name: str | None = None
    counterparty_vat: str | None = None
    invoice_number: str | None = None
    invoice_date: date | None = None
    due_date: date | None = None
    currency: str
    total_excl_vat: Amount
    total_vat: Amount
    total_incl_vat: Amount
    validated_by: str
    counterparty_number: str | None = Field(
        default=None,
        description="The counterparty's number in the package; without it, found by VAT number",
    )
    document_type: Literal["invoice", "credit_note"] = "invoice"
    exchange_rate: Amount | None = Field(
        default=None, description="Units of currency per EUR, when the currency is not EUR"
    )
    structured_communication: str | None = None
    new_counterparty: bool = Field(
        default=False,
        description="The books have no such counterparty yet (status Ok-new): unless one has "
        "`counterparty_vat`, the package creates it from `counterparty_name` and "
        "`counterparty_vat`, with the first line's GL account and VAT code as its defaults",
    )
    lines: tuple[ProposalLine, ...] = ()
    vat_lines: tuple[ProposalVatLine, ...] = ()


ProposalStatus = Literal[
    "ok",
    "ok_new",
    "ocr",
    "empty",
    "nok",
    "checked",
    "checked_suspense",
    "ok_duplicate",
    "on_hold",
    "help_asked",
    "sent",
    "booked",
    "deleted",
]
ProposalChangeReason = Literal[
    "made",
    "edited",
    "checked",
    "held",
    "released",
    "help_asked",
    "changed",
    "deleted",
    "document_deleted",
    "merged",
    "document_archived",
    "sent",
    "booked",
    "booking_failed",
    "booking_deleted",
]


class ProposalStatusChanged(EventData):
    """A proposal's status in the worklist changed: its validation code (the seed's Ok, Ok-new,
    OCR, Empty, Nok, Checked, Checked with suspense account, ! Ok, On hold, help asked), sent,
    booked, or `deleted` (it left the worklist). Published only when the status changes."""

    proposal_id: UUID
    document_id: UUID
    old_status: ProposalStatus | None = Field(
        description="None when the proposal was just made from its document"
    )
    new_status: ProposalStatus
    reason: ProposalChangeReason = Field(
        description="What changed it: made, edited, checked, held, released, help_asked, "
        "changed (bulk change of type, journal or period), deleted (by the office), "
        "document_deleted (the document was deleted in its mailbox), merged (into one new "
        "document, whose proposal follows), document_archived (it was merged or split into new "
        "documents in the mailbox), sent, booked, "
        "booking_failed (the books refused it: back in the worklist), booking_deleted (its "
        "booking was deleted from the books: back in the worklist)"
    )
    message: str | None = Field(
        default=None, description="The books' refusal, or why the document was deleted"
    )
    changed_by: str | None = Field(
        default=None, description="Who did it; none when an event of another service did"
    )
    changed_at: datetime


class InvoiceApprovalRequested(EventData):
    """A purchase invoice waits for approval; published again after each approval that leaves
    it waiting, with who it still waits for."""

    document_id: UUID
    approvers: tuple[str, ...] = Field(description="Everyone who must approve it")
    waiting_for: tuple[str, ...] = Field(description="Who has not approved it yet")


class InvoiceApprovalProcessSwitched(EventData):
    """The dossier's invoice approval process was switched on or off. Ingest and payments keep
    the flag: while it is on, a purchase invoice counts as awaiting approval from the moment it
    arrives until approvals decides it, so that it is never sent or paid in the short while
    before `invoice.approval-requested.v1` reaches them."""

    enabled: bool
    switched_by: str = Field(description="The subject who switched it")


class InvoiceApproved(EventData):
    document_id: UUID
    rule_id: UUID | None = None
    approved_by: tuple[str, ...]


class InvoiceRejected(EventData):
    document_id: UUID
    rejected_by: str
    reason: str | None = None


class PaymentApprovalRequested(EventData):
    payment_id: UUID
    document_id: UUID | None = None
    debtor_iban: str
    creditor_name: str
    creditor_iban: str
    amount: Amount
    currency: str = "EUR"


class PaymentApproved(EventData):
    payment_id: UUID
    approved_by: tuple[str, ...]


class PaymentRejected(EventData):
    payment_id: UUID
    rejected_by: str
    reason: str | None = None


class PaymentQueued(EventData):
    payment_id: UUID
    document_id: UUID | None = None
    amount: Amount
    currency: str = "EUR"
    status: Literal["in_basket", "in_processing"]
    message: str = Field(
        default="", description="What the mailbox shows, e.g. 'payment in processing'"
    )


class SepaFileGenerated(EventData):
    file_id: UUID
    debtor_iban: str
    message_id: str
    format: str
    number_of_transactions: int
    control_sum: Amount
    sha256: str
    payment_ids: tuple[UUID, ...]


class PaymentSettled(EventData):
    """A payment is done: money left the dossier's account (or arrived on it) through the
    platform (`settled_by: payment`, sync journalises it in the books), or the books show the
    invoice paid (`settled_by: books`, nothing to journalise). The optional fields are what sync
    needs to journalise it; an event without them is the first form of v1."""

    payment_id: UUID
    document_id: UUID | None = None
    amount: Amount
    settled_on: date
    settled_by: Literal["payment", "books"] | None = Field(
        default=None,
        description="payment: money moved through the platform (to journalise); books: the books "
        "already show it paid; none: not said (older producers; never journalised)",
    )
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    kind: Literal["supplier", "customer"] | None = Field(
        default=None, description="supplier: money out; customer: money in (direct debit)"
    )
    bank_account_iban: str | None = Field(
        default=None, description="The dossier's own account the money left (or arrived on)"
    )
    counterparty_number: str | None = Field(
        default=None, description="The counterparty's number in the books"
    )
    settles_journal: str | None = Field(default=None, description="The open item paid: journal")
    settles_document_number: str | None = Field(
        default=None, description="The open item paid: its document number in the journal"
    )
    communication: str | None = Field(default=None, description="The remittance information")


ConnectorKind = Literal["in_process", "kafka"]


class _DossierDetails(EventData):
    # What dossier.activated.v1 and dossier.updated.v1 both carry: the whole current state.
    name: str
    vat_number: str | None = None
    accounting_package: str
    dossier_code: str
    configuration: Literal["B", "C", "D"] = "C"
    language: Literal["nl", "fr", "en", "de"] = "nl"
    email_domain: str = Field(description="Domain of the dossier's mailbox addresses")
    # Activation options (seed 003 "Dossierbeheer"), optional so that v1 stays compatible:
    # an event without them says nothing about them.
    installation: str | None = Field(
        default=None, description="The package installation (path) the dossier code is in"
    )
    validation: Literal["office", "hybrid", "client"] | None = Field(
        default=None,
        description="Who validates the booking proposals: an office employee, an employee with "
        "the client's input (hybrid), or the client",
    )
    payment_module: bool | None = None
    financial_menu: bool | None = Field(
        default=None, description="Show the financial tab and journals in the client portal"
    )
    vat_exempt: bool | None = None
    nightly_sync: bool | None = None
    books_up_to_date_until: date | None = Field(
        default=None, description="The date until which the books are up to date in the package"
    )
    connector: ConnectorKind | None = Field(
        default=None,
        description="How sync reaches the package: `in_process` (a connector inside sync, e.g. "
        "the Beancount reference connector) or `kafka` (an external connector that consumes "
        "booking.requested.v1 and answers with booking.posted.v1 / booking.failed.v1 and "
        "ledger.synced.v1); none: in_process",
    )
    sales_sequence_check: bool | None = Field(
        default=None,
        description="Warn when a sales invoice number does not follow the previous one "
        "(seed 003: unless the dossier switched the check off)",
    )


class DossierActivated(_DossierDetails):
    pass


class DossierUpdated(_DossierDetails):
    """The dossier's details after a change (the whole current state, not a diff)."""

    proposal_counter_reset_at: datetime | None = Field(
        default=None,
        description="When the counter of bookings posted was last reset (manual sync option)",
    )
    active_period: str | None = Field(
        default=None,
        pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$",
        description="The active booking period set at a manual sync; earlier ones are closed",
    )
    changed: tuple[str, ...] | None = Field(
        default=None,
        description="The fields this change set (e.g. `dossier_code`, `nightly_sync`); none: not "
        "said, take every field as changed",
    )


class DossierDeactivated(EventData):
    """The dossier left the platform: every service answers 404 for it from now on."""

    name: str
    reason: str | None = None
    deactivated_by: str


class DossierUser(EventData):
    """A user of a dossier (someone of the client) with their profile."""

    subject: str = Field(description="The subject (`sub` claim) the identity provider knows")
    name: str
    email: str
    profile: str = Field(
        examples=["client_administrator"],
        description="One of the six client profiles (client_administrator, client_full_access, "
        "client_document_processing, client_document_processing_archive, client_full_feedback, "
        "client_document_delivery)",
    )


class DossierUsersChanged(EventData):
    """A dossier's users after a change (the whole current list, not a diff): a user was added,
    changed or removed. Services that check who may act in a dossier (approvals: who may be
    named an approver) keep a copy of it."""

    users: tuple[DossierUser, ...]
    changed_by: str | None = None


# --------------------------------------------------------------------------- ledger records
# What an accounting package says about a dossier's books (the connector contract of
# services/sync, docs/connectors.md). Shared here because ledger.synced.v1 carries them to the
# services that keep copies (worklist, payments).

GL_ACCOUNT_PATTERN = r"^[0-9]{3,10}$"
PERIOD_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"

AccountType = Literal["asset", "liability", "equity", "income", "expense"]
JournalType = Literal["purchase", "sales", "financial", "misc"]
VatKind = Literal["goods", "services", "investments"]
VatDirection = Literal["purchase", "sales"]
VatRegime = Literal["domestic", "intra_eu", "reverse_charge", "export", "exempt"]
CounterpartyKind = Literal["customer", "supplier"]
PeriodStatus = Literal["open", "closed"]


class GLAccount(EventData):
    """A general-ledger account of the dossier's chart (Belgian PCMN / MAR)."""

    code: str = Field(pattern=GL_ACCOUNT_PATTERN, examples=["604000"])
    name: str = Field(examples=["Aankopen handelsgoederen"])
    pcmn_class: int = Field(
        ge=0, le=9, description="First digit of the code: 1–7 are the PCMN classes"
    )
    type: AccountType = Field(description="Nature of the account in the balance sheet or P&L")
    suspense: bool = Field(
        default=False, description="A suspense account (wachtrekening), e.g. 999999"
    )
    active: bool = True


class VatCode(EventData):
    """A VAT code the dossier may use on detail lines."""

    code: str = Field(examples=["A21"])
    description: str = Field(examples=["Aankopen handelsgoederen 21%"])
    direction: VatDirection
    rate: Amount = Field(description="Rate in percent, e.g. 21")
    kind: VatKind
    regime: VatRegime = "domestic"
    deductible_share: Amount = Field(
        default=Decimal(100), description="Percentage of the VAT that may be deducted (purchases)"
    )
    base_grid: str | None = Field(
        default=None, description="Grid of the Belgian VAT return for the base, e.g. 81"
    )
    vat_grid: str | None = Field(
        default=None, description="Grid of the VAT return for the VAT amount, e.g. 59"
    )


class Journal(EventData):
    code: str = Field(examples=["CFAAN"])
    name: str
    type: JournalType
    number_format: str = Field(
        examples=["yy000###"],
        description="Document number format: `yy` or `yyyy` is the fiscal year, the run of `0` and "
        "`#` after it is the sequence number zero-padded to that width",
    )
    next_number: str | None = Field(
        default=None, description="The document number the next booking gets in the open year"
    )
    credit_note_only: bool = False
    foreign_currency_allowed: bool = False
    first_period: str | None = Field(default=None, pattern=PERIOD_PATTERN)
    platform: bool = Field(
        default=False,
        description="One of the platform's own journals: bookings may be posted and deleted",
    )
    bank_account_iban: str | None = Field(
        default=None, description="For a financial journal: the dossier's bank account"
    )


class BookingPeriod(EventData):
    fiscal_year: str = Field(examples=["2026"])
    code: str = Field(pattern=PERIOD_PATTERN, examples=["2026-03"])
    start: date
    end: date
    status: PeriodStatus


class Counterparty(EventData):
    number: str = Field(description="The counterparty's reference in the package")
    kind: CounterpartyKind
    name: str
    vat_number: str | None = Field(default=None, examples=["BE0123456749"])
    ibans: tuple[str, ...] = ()
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    default_gl_account: str | None = Field(default=None, pattern=GL_ACCOUNT_PATTERN)
    default_vat_code: str | None = None


class OpenItem(EventData):
    """An invoice or credit note and what is still due on it. Credit notes have negative amounts."""

    kind: CounterpartyKind
    journal: str
    document_number: str
    counterparty_number: str
    invoice_number: str | None = None
    invoice_date: date
    due_date: date | None = None
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    amount: Amount = Field(description="Total including VAT")
    amount_paid: Amount
    structured_communication: str | None = Field(default=None, examples=["+++090/9337/55493+++"])

    @property
    def open_amount(self) -> Amount:
        return self.amount - self.amount_paid


class LedgerBankAccount(EventData):
    """A bank account of the dossier itself (a "hoofdrekening"), as the package knows it."""

    iban: str
    bic: str | None = None
    holder_name: str
    town: str | None = None
    country: str | None = None


class SettledItem(EventData):
    """An open item the books now show as paid."""

    counterparty_vat: str | None = None
    invoice_number: str
    amount: Amount
    settled_on: date
    open_item: OpenItem | None = Field(
        default=None,
        description="The item as the books show it now (paid in full); its key may also be in "
        "`removed_open_items`, which then means settled, not deleted",
    )
    payment_id: UUID | None = Field(
        default=None, description="The platform's payment journalised to settle it, if one was"
    )


# The feedback records (ledger.synced.v1 since the feedback read models): what the feedback
# reports (aged balance at any pivot, open items, an item's history, top 10, P&L, balance sheet,
# key figures) need of the books, in bounded records, so that they work for a dossier whose
# package is connected over Kafka exactly as for one read in-process.


class CounterpartyTurnover(EventData):
    """Turnover excluding VAT with one counterparty in one booking period, credit notes
    deducted (for the top 10 customers and suppliers). Key: `kind/period/currency/number`."""

    kind: CounterpartyKind
    counterparty_number: str
    period: str = Field(pattern=PERIOD_PATTERN)
    amount_excl_vat: Amount
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)


class AccountTotal(EventData):
    """The net of every posting on one GL account in one booking period, in the dossier's
    currency, debit positive (a foreign-currency posting at its booked rate). The P&L, the
    balance sheet and the key figures are sums of these. Key: `gl_account/period`."""

    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    period: str = Field(pattern=PERIOD_PATTERN)
    amount: Amount = Field(description="Debits minus credits")


class OpenItemMovement(EventData):
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


class ItemHistory(EventData):
    """An invoice or credit note of the books, settled ones too, with its whole history: what
    was paid on it at any date is the sum of its settling lines up to that date. Key:
    `journal/document_number` (as an open item's)."""

    item: OpenItem = Field(description="The item as the books show it now")
    movements: tuple[OpenItemMovement, ...] = Field(
        description="The item's own line first, then what settled it, oldest first"
    )


class LedgerSynced(EventData):
    """The books of a dossier, as its accounting package says, in bounded chunks.

    A sync run (`sync_id`) is cut into chunks numbered from 0; the last has `last_chunk` true
    and each message stays below 512 KiB. Upserts carry whole records; removals carry keys. With
    `full` true the run is a full resync: a consumer replaces its copy of the dossier's records
    once the last chunk arrived (records not in the run are gone). The counts are those of the
    whole run. A message without `sync_id` is the older counts-only form (bank accounts and
    settled items only)."""

    synced_at: datetime
    up_to_date_until: date | None = None
    counterparties: int = Field(default=0, description="Counterparties in the whole run")
    open_items: int = Field(default=0, description="Open items in the whole run")
    bank_accounts: tuple[LedgerBankAccount, ...] = ()
    settled_items: tuple[SettledItem, ...] = ()
    sync_id: UUID | None = None
    chunk: int = Field(default=0, ge=0)
    last_chunk: bool = True
    full: bool = False
    dossier_code: str | None = None
    gl_accounts: tuple[GLAccount, ...] = ()
    vat_codes: tuple[VatCode, ...] = ()
    journals: tuple[Journal, ...] = ()
    periods: tuple[BookingPeriod, ...] = ()
    counterparty_records: tuple[Counterparty, ...] = ()
    open_item_records: tuple[OpenItem, ...] = Field(
        default=(), description="Items with an open amount, with what was paid on them"
    )
    removed_counterparties: tuple[str, ...] = ()
    removed_open_items: tuple[str, ...] = Field(
        default=(), description="Open items now settled or deleted, as `journal/document number`"
    )
    turnover_records: tuple[CounterpartyTurnover, ...] = Field(
        default=(), description="Feedback: turnover per counterparty and booking period"
    )
    account_totals: tuple[AccountTotal, ...] = Field(
        default=(), description="Feedback: net per GL account and booking period"
    )
    item_histories: tuple[ItemHistory, ...] = Field(
        default=(), description="Feedback: every invoice and credit note with its history"
    )
    removed_turnover: tuple[str, ...] = Field(
        default=(), description="Turnover records gone, as `kind/period/currency/number`"
    )
    removed_account_totals: tuple[str, ...] = Field(
        default=(), description="Account totals gone, as `gl_account/period`"
    )
    removed_item_histories: tuple[str, ...] = Field(
        default=(), description="Items gone from the books (deleted), as `journal/document number`"
    )


class BookingPosted(EventData):
    proposal_id: UUID
    document_id: UUID
    journal: str
    document_number: str = Field(description="In the journal's format, e.g. 26000001")
    posted_at: datetime
    period: str | None = Field(default=None, description="Booking period, YYYY-MM")
    transaction_id: str | None = Field(
        default=None, description="The ledger's id of the transaction, e.g. CFAAN/26000001"
    )
    dossier_code: str | None = None
    already_posted: bool = Field(
        default=False, description="The package had this proposal already (a redelivery)"
    )


class BookingFailed(EventData):
    """The package refused the booking, or it cannot be posted; `reason` is the package's own
    message. The proposal goes back to the worklist with it."""

    proposal_id: UUID
    document_id: UUID | None = None
    reason: str
    details: tuple[str, ...] = ()
    retryable: bool = False


# --------------------------------------------------------------------------- connector requests
# What sync asks an accounting-package connector to do (the connector contract of services/sync,
# docs/connectors.md). Shared here because an out-of-process connector receives them over Kafka
# (booking.requested.v1, booking.delete-requested.v1, payments.journalise-requested.v1); the
# in-process `Connector` protocol takes the same models.


class NewCounterparty(EventData):
    """A counterparty the worklist found on the invoice but the package does not know yet."""

    name: str
    vat_number: str | None = None
    ibans: tuple[str, ...] = ()
    currency: str = Field(default="EUR", pattern=CURRENCY_PATTERN)
    default_gl_account: str | None = Field(default=None, pattern=GL_ACCOUNT_PATTERN)
    default_vat_code: str | None = None


class BookingHeader(EventData):
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


class BookingLine(EventData):
    """A detail line: the GL account and amount excluding VAT, as validated in the worklist."""

    gl_account: str = Field(pattern=GL_ACCOUNT_PATTERN)
    amount_excl_vat: Amount = Field(description="Positive; a credit note reverses the signs")
    vat_code: str | None = None
    vat_amount: Amount = Decimal(0)
    description: str | None = None


class VatLine(EventData):
    """One line of the VAT breakdown: base and VAT per VAT code."""

    vat_code: str
    base: Amount
    vat_amount: Amount


class BookingToPost(EventData):
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


class BookingToDelete(EventData):
    """A booking the platform posted, to be deleted from the books (seed 003: deleting a
    booking is done on the platform, never in the package's platform journals by hand)."""

    proposal_id: UUID = Field(
        description="Idempotency key: the proposal whose booking it is. Only that proposal's "
        "transaction is deleted; when the books no longer have it, the answer is already_deleted"
    )
    document_id: UUID | None = None
    journal: str
    document_number: str
    reason: str | None = None
    requested_by: str | None = Field(default=None, description="Who asked (for the audit trail)")


class PaymentToJournalise(EventData):
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


class BookingRequested(EventData):
    """`booking.requested.v1`: sync asks a dossier's external connector to post a booking.

    The connector answers with booking.posted.v1 or booking.failed.v1 (same proposal id) and
    publishes what changed in the books as ledger.synced.v1."""

    dossier_code: str
    accounting_package: str
    booking: BookingToPost


class BookingDeleteRequested(EventData):
    """`booking.delete-requested.v1`: sync asks a connector to delete a booking.

    The connector answers with booking.deleted.v1 (and the open item's removal in a
    ledger.synced.v1 delta) or booking.delete-failed.v1 with the package's reason."""

    dossier_code: str
    accounting_package: str
    booking: BookingToDelete


class BookingDeleted(EventData):
    """A booking the platform posted is no longer in the books: the proposal goes back to the
    worklist to be corrected and sent again, its document back to "in processing"."""

    proposal_id: UUID
    document_id: UUID | None = None
    journal: str
    document_number: str = Field(description="The number the deleted booking had")
    deleted_at: datetime
    reason: str | None = None
    deleted_by: str | None = None
    dossier_code: str | None = None
    already_deleted: bool = Field(
        default=False, description="The books did not have it any more (a request seen again)"
    )


class BookingDeleteFailed(EventData):
    """The package refused to delete a booking (payments on it, closed period, not one of the
    platform's journals); `reason` is the package's own message. The booking stays."""

    proposal_id: UUID
    document_id: UUID | None = None
    journal: str
    document_number: str
    reason: str
    details: tuple[str, ...] = ()


class PaymentsJournaliseRequested(EventData):
    """`payments.journalise-requested.v1`: sync asks a connector to book payments."""

    dossier_code: str
    accounting_package: str
    payments: tuple[PaymentToJournalise, ...] = Field(min_length=1)


class LedgerSyncRequested(EventData):
    """`ledger.sync-requested.v1`: sync asks a dossier's external connector for a sync run (a
    manual or the nightly sync of a `connector: kafka` dossier).

    The connector answers with a ledger.synced.v1 run whose `sync_id` is this request's, as an
    in-process sync would publish it: the whole ledger with `full` true, else what changed since
    its previous run (`full` false)."""

    sync_id: UUID = Field(description="The run's id: the ledger.synced.v1 chunks carry it back")
    dossier_code: str
    accounting_package: str
    full: bool = Field(default=True, description="A full resync; false: a delta run")
    up_to_date_until: date | None = Field(
        default=None, description="The office's 'books up to date until', for the run to carry"
    )
    trigger: Literal["manual", "nightly"] = "manual"
    reason: str | None = Field(default=None, description="Why, for the connector's log")
    requested_by: str | None = None
    close_periods: tuple[str, ...] = Field(
        default=(),
        description="Booking periods (`YYYY-MM`) to close before the run: the manual sync's new "
        "active period closes the open periods before it",
    )


EVENTS: tuple[EventSpec, ...] = (
    # Keyed by document: recognition, worklist and payments handle each document on its own, so a
    # busy dossier's documents use every partition (and consumer) instead of one.
    EventSpec(
        "document.received",
        1,
        DocumentReceived,
        "A document reached a dossier's mailbox.",
        key="document",
    ),
    EventSpec(
        "document.recognized",
        1,
        DocumentRecognized,
        "A document's content was read.",
        key="document",
    ),
    EventSpec(
        "document.submitted",
        1,
        DocumentSubmitted,
        "A document was sent to the office.",
        key="document",
    ),
    EventSpec(
        "document.labels-changed",
        1,
        DocumentLabelsChanged,
        "A document's labels were changed in its mailbox.",
        key="document",
    ),
    EventSpec(
        "document.deleted",
        1,
        DocumentDeleted,
        "A document was deleted from its mailbox.",
        key="document",
    ),
    EventSpec(
        "document.archived",
        1,
        DocumentArchived,
        "A document was merged or split into new ones and kept in the archive.",
        key="document",
    ),
    EventSpec(
        "document.moved",
        1,
        DocumentMoved,
        "A document was moved to another dossier of its office.",
        key="document",
    ),
    EventSpec(
        "document.recognition-requested",
        1,
        DocumentRecognitionRequested,
        "The office asked for a document to be read again.",
        key="document",
    ),
    EventSpec(
        "document.merge-requested",
        1,
        DocumentMergeRequested,
        "The office asked for documents to be merged into one.",
    ),
    EventSpec(
        "document.merge-refused",
        1,
        DocumentMergeRefused,
        "Documents could not be merged.",
    ),
    EventSpec("proposal.validated", 1, ProposalValidated, "A booking proposal was validated."),
    EventSpec(
        "proposal.status-changed",
        1,
        ProposalStatusChanged,
        "A booking proposal's status in the worklist changed.",
    ),
    EventSpec(
        "invoice.approval-requested",
        1,
        InvoiceApprovalRequested,
        "A purchase invoice waits for approval.",
    ),
    EventSpec(
        "invoice.approval-process-switched",
        1,
        InvoiceApprovalProcessSwitched,
        "A dossier's invoice approval process was switched on or off.",
    ),
    EventSpec("invoice.approved", 1, InvoiceApproved, "A purchase invoice was approved."),
    EventSpec("invoice.rejected", 1, InvoiceRejected, "A purchase invoice was rejected."),
    EventSpec(
        "payment.approval-requested", 1, PaymentApprovalRequested, "A payment awaits approval."
    ),
    EventSpec("payment.approved", 1, PaymentApproved, "A payment was approved."),
    EventSpec("payment.rejected", 1, PaymentRejected, "A payment was rejected."),
    EventSpec("payment.queued", 1, PaymentQueued, "A payment entered the basket or a file."),
    EventSpec("sepa-file.generated", 1, SepaFileGenerated, "A SEPA file was made."),
    EventSpec("payment.settled", 1, PaymentSettled, "A payment is settled in the books."),
    EventSpec("dossier.activated", 1, DossierActivated, "A dossier was activated."),
    EventSpec("dossier.updated", 1, DossierUpdated, "A dossier's details were changed."),
    EventSpec("dossier.deactivated", 1, DossierDeactivated, "A dossier was deactivated."),
    EventSpec("dossier.users-changed", 1, DossierUsersChanged, "A dossier's users were changed."),
    EventSpec("ledger.synced", 1, LedgerSynced, "Ledger master data was synchronised."),
    EventSpec("booking.posted", 1, BookingPosted, "A booking was posted to the package."),
    EventSpec("booking.failed", 1, BookingFailed, "The package refused a booking."),
    EventSpec(
        "booking.requested",
        1,
        BookingRequested,
        "Sync asks a dossier's out-of-process connector to post a booking.",
    ),
    EventSpec(
        "booking.delete-requested",
        1,
        BookingDeleteRequested,
        "Sync asks a dossier's out-of-process connector to delete a booking.",
    ),
    # Keyed by dossier like booking.posted.v1 (a connector's answer may not name the document).
    EventSpec(
        "booking.deleted",
        1,
        BookingDeleted,
        "A booking the platform posted was deleted from the books.",
    ),
    EventSpec(
        "booking.delete-failed",
        1,
        BookingDeleteFailed,
        "The package refused to delete a booking.",
    ),
    EventSpec(
        "ledger.sync-requested",
        1,
        LedgerSyncRequested,
        "Sync asks a dossier's out-of-process connector for a sync run.",
    ),
    EventSpec(
        "payments.journalise-requested",
        1,
        PaymentsJournaliseRequested,
        "Sync asks a dossier's out-of-process connector to book payments.",
    ),
)

_BY_MODEL: dict[type[EventData], EventSpec] = {spec.model: spec for spec in EVENTS}
_BY_TOPIC: dict[str, EventSpec] = {spec.topic: spec for spec in EVENTS}


def spec_for(model: type[EventData] | EventData) -> EventSpec:
    cls = model if isinstance(model, type) else type(model)
    return _BY_MODEL[cls]


def spec_for_topic(topic: str) -> EventSpec:
    return _BY_TOPIC[topic]


def all_topics() -> list[str]:
    """Every event topic and its dead-letter topic."""
    return [name for spec in EVENTS for name in (spec.topic, spec.dlq_topic)]
