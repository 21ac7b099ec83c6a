"""Every v1 event: its Kafka topic, CloudEvents type and data model."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

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


class ProposalValidated(EventData):
    proposal_id: UUID
    document_id: UUID
    journal: str | None = None
    period: str | None = None
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
    payment_id: UUID
    document_id: UUID | None = None
    amount: Amount
    settled_on: date


class DossierActivated(EventData):
    name: str
    vat_number: str | None = None
    accounting_package: str
    dossier_code: str
    configuration: Literal["B", "C", "D"] = "C"
    language: Literal["nl", "fr", "en", "de"] = "nl"
    email_domain: str = Field(description="Domain of the dossier's mailbox addresses")


class DossierUpdated(EventData):
    """The dossier's details after a change (the whole current state, not a diff)."""

    name: str
    vat_number: str | None = None
    accounting_package: str
    dossier_code: str
    configuration: Literal["B", "C", "D"] = "C"
    language: Literal["nl", "fr", "en", "de"] = "nl"
    email_domain: str = Field(description="Domain of the dossier's mailbox addresses")


class DossierDeactivated(EventData):
    """The dossier left the platform: every service answers 404 for it from now on."""

    name: str
    reason: str | None = None
    deactivated_by: str


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


class LedgerSynced(EventData):
    synced_at: datetime
    up_to_date_until: date | None = None
    counterparties: int = 0
    open_items: int = 0
    bank_accounts: tuple[LedgerBankAccount, ...] = ()
    settled_items: tuple[SettledItem, ...] = ()


class BookingPosted(EventData):
    proposal_id: UUID
    document_id: UUID
    journal: str
    document_number: str
    posted_at: datetime


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
    EventSpec("proposal.validated", 1, ProposalValidated, "A booking proposal was validated."),
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
    EventSpec("ledger.synced", 1, LedgerSynced, "Ledger master data was synchronised."),
    EventSpec("booking.posted", 1, BookingPosted, "A booking was posted to the package."),
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
