"""The proposal as the annotation screen and the worklist show it, and what callers send."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from ledgerline.events.invoice import RecognitionSource
from ledgerline.text import SingleLine, Text
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from worklist.adapters.repository import lines_from_json
from worklist.domain.arithmetic import evaluate_amount
from worklist.domain.confidence import ConfidenceLevel, level
from worklist.domain.lines import LinesSource, lines_total
from worklist.domain.statuses import STATUS_LABELS, STATUSES

DOSSIER = "d0551e00-0000-4000-8000-000000000001"


def _amount(value: Any) -> Decimal:
    """A caller's amount: a decimal string or a calculation (`12+25`), or a JSON integer."""
    if isinstance(value, bool | float):
        raise ValueError('amounts are strings such as "1234.50" or "12+25", never JSON decimals')
    if isinstance(value, int):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError('an amount is a string such as "1234.50" or "12+25"')
    return evaluate_amount(value)


AmountInput = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "type": "string",
            "maxLength": 100,
            "examples": ["1234.50", "12+25"],
            "description": "An amount, or a calculation with + - * / and parentheses "
            "(`12+25` is 37.00), rounded to cents",
        }
    ),
]
Status = Literal[STATUSES]  # type: ignore[valid-type]
Mailbox = Literal["purchase", "sales", "misc"]
PERIOD = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class DetailLineOut(BaseModel):
    gl_account: str
    suspense: bool = Field(description="On a suspense account (shown in red)")
    amount_excl_vat: Decimal
    vat_code: str | None
    vat_amount: Decimal
    comment: str | None
    locked: bool = Field(description="Closed: the VAT amount is kept, not computed from the code")


class WarningOut(BaseModel):
    code: str = Field(
        description="invoice_date_after_period, invoice_date_before_period, "
        "invoice_date_year_outside_period, period_closed, lines_total_differs, "
        "possible_duplicate, sales_number_out_of_sequence"
    )
    message: str


PROPOSAL_EXAMPLE: dict[str, Any] = {
    "id": "b00c0000-0000-4000-8000-0000000000a1",
    "dossier_id": DOSSIER,
    "document_id": "5d0c0000-0000-4000-8000-00000000d0c1",
    "source": "ubl",
    "status": "ok",
    "status_label": "Ok",
    "document_type": "invoice",
    "mailbox": "purchase",
    "journal": "CFAAN",
    "period": "2026-11",
    "invoice_number": "VH-2026-0412",
    "invoice_date": "2026-11-20",
    "due_date": "2026-12-20",
    "counterparty_name": "Van Hoorebeke Verpakkingen",
    "counterparty_vat": "BE0715231874",
    "counterparty_number": "L0006",
    "counterparty_known": True,
    "counterparty_match": "vat",
    "currency": "EUR",
    "exchange_rate": "1.0",
    "total_excl_vat": "1000.00",
    "total_vat": "210.00",
    "total_incl_vat": "1210.00",
    "iban": "BE46068185785036",
    "payment_reference": "+++010/8068/17183+++",
    "financial_discount": "2.00",
    "labels": ["verpakking"],
    "booking_instruction": "Dozen voor de winkel",
    "vat_breakdown": [
        {"category": "S", "rate": "21.00", "taxable_amount": "1000.00", "vat_amount": "210.00"}
    ],
    "lines": [
        {
            "description": "Taartdozen 30 cm",
            "quantity": "400.00",
            "unit_code": "C62",
            "unit_price": "2.50",
            "net_amount": "1000.00",
            "vat_category": "S",
            "vat_rate": "21.00",
        }
    ],
    "detail_lines": [
        {
            "gl_account": "604000",
            "suspense": False,
            "amount_excl_vat": "1000.00",
            "vat_code": "A21",
            "vat_amount": "210.00",
            "comment": "november",
            "locked": False,
        }
    ],
    "lines_source": "default",
    "lines_total": "1210.00",
    "lines_total_matches": True,
    "without_detail": False,
    "possible_duplicate": False,
    "checked": False,
    "on_hold": False,
    "help_asked": False,
    "confidence": "0.980",
    "confidence_level": "full",
    "document_number": "26000215",
    "booking_error": "Transaction does not balance: (-10.00 EUR)",
    "validated_by": "eva@office.example",
    "sent_at": "2026-11-30T10:02:00Z",
    "booked_at": "2026-11-30T10:02:03Z",
    "warnings": [],
    "created_at": "2026-11-30T09:20:05Z",
    "updated_at": "2026-11-30T09:41:17Z",
}


class Proposal(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PROPOSAL_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    dossier_name: str | None = Field(
        default=None, description="The dossier's name (in the office-wide list)"
    )
    document_id: UUID
    source: RecognitionSource = Field(
        description="how recognition read the document (the seed's type): ubl, facturx, air "
        "(text PDF) or ocr (scan)"
    )
    status: Status = Field(description="The validation code; `status_label` is the seed's word")  # type: ignore[valid-type]
    status_label: str = Field(examples=["Ok", "Ok-new", "! Ok", "Checked with suspense account"])
    document_type: str | None
    mailbox: Mailbox = Field(description="The worklist's tab: purchase, sales or misc")
    journal: str
    period: str | None
    invoice_number: str | None
    invoice_date: date | None
    due_date: date | None
    counterparty_name: str | None
    counterparty_vat: str | None
    counterparty_number: str | None = Field(
        description="The counterparty's number in the books; none for a new one (orange)"
    )
    counterparty_known: bool
    counterparty_match: Literal["vat", "iban", "name"] | None = Field(
        description="How the counterparty was found among the dossier's"
    )
    currency: str | None
    exchange_rate: Decimal | None = Field(description="Units of currency per EUR")
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    iban: str | None
    payment_reference: str | None = Field(description="Structured communication")
    financial_discount: Decimal | None = Field(description="Financial discount, in percent")
    labels: list[str]
    booking_instruction: str | None
    vat_breakdown: list[dict[str, Any]] = Field(description="As recognised")
    lines: list[dict[str, Any]] = Field(description="The invoice's lines as recognised")
    detail_lines: list[DetailLineOut] = Field(description="The booking's detail lines")
    lines_source: LinesSource = Field(
        description="Where the detail lines came from: template (the counterparty's, after "
        "three bookings), model (learnt from the dossier's posted bookings), default (the "
        "counterparty's default GL account and VAT code), suspense (nothing better known, or "
        "no lines), manual (edited by hand)"
    )
    lines_total: Decimal = Field(description="The total of the detail lines, VAT included")
    lines_total_matches: bool = Field(
        description="The detail lines add up to the total (or there are none)"
    )
    without_detail: bool = Field(description="No detail lines: booked on the suspense account")
    possible_duplicate: bool
    checked: bool
    on_hold: bool
    help_asked: bool
    confidence: Decimal | None = Field(description="0 to 1")
    confidence_level: ConfidenceLevel = Field(
        description="full star from 0.9, half from 0.8, grey below"
    )
    document_number: str | None = Field(description="In the journal, once booked")
    booking_error: str | None = Field(
        description="Why the books refused it, or that its booking was deleted from them "
        '("deleted in the books (CFAAN/26000215): reason")'
    )
    validated_by: str | None
    sent_at: datetime | None
    booked_at: datetime | None
    warnings: list[WarningOut]
    recognition_requested_at: datetime | None = Field(
        default=None,
        description="Recognition was asked to read the document again and has not answered yet",
    )
    created_at: datetime
    updated_at: datetime


def proposal_out(row: asyncpg.Record, suspense: set[str]) -> Proposal:
    lines = lines_from_json(row["detail_lines"])
    total = lines_total(lines)
    values = dict(row)
    return Proposal.model_validate(
        values
        | {
            "status_label": STATUS_LABELS[row["status"]],
            "detail_lines": [
                {
                    "gl_account": line.gl_account,
                    "suspense": line.gl_account in suspense,
                    "amount_excl_vat": line.amount_excl_vat,
                    "vat_code": line.vat_code,
                    "vat_amount": line.vat_amount,
                    "comment": line.comment,
                    "locked": line.locked,
                }
                for line in lines
            ],
            "lines_total": total,
            "lines_total_matches": not lines or total == row["total_incl_vat"],
            "without_detail": not lines,
            "confidence_level": level(row["confidence"]),
            "labels": list(row["labels"]),
        }
    )


class LineInput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gl_account: str = Field(pattern=r"^[0-9]{3,10}$", examples=["604000"])
    amount_excl_vat: AmountInput
    vat_code: SingleLine | None = Field(default=None, max_length=20, examples=["A21"])
    vat_amount: AmountInput | None = Field(
        default=None, description="Kept only with the lock closed; else computed from the code"
    )
    comment: Text | None = Field(default=None, max_length=500)
    locked: bool = False


class ProposalChanges(BaseModel):
    """Only the fields sent are changed. `lines` replaces every detail line; an empty list books
    the invoice "without detail" on the suspense account."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "period": "2026-11",
                    "total_incl_vat": "1000+210",
                    "lines": [
                        {"gl_account": "604000", "amount_excl_vat": "600+400", "vat_code": "A21"}
                    ],
                }
            ]
        },
    )

    counterparty_number: SingleLine | None = Field(default=None, max_length=40)
    counterparty_name: SingleLine | None = Field(default=None, max_length=200)
    counterparty_vat: SingleLine | None = Field(default=None, max_length=30)
    invoice_number: SingleLine | None = Field(default=None, max_length=100)
    invoice_date: date | None = None
    due_date: date | None = None
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    exchange_rate: Decimal | None = Field(default=None, gt=0, max_digits=18, decimal_places=6)
    total_excl_vat: AmountInput | None = None
    total_vat: AmountInput | None = None
    total_incl_vat: AmountInput | None = None
    payment_reference: SingleLine | None = Field(default=None, max_length=140)
    financial_discount: Decimal | None = Field(default=None, ge=0, le=100, decimal_places=2)
    labels: list[Annotated[SingleLine, Field(max_length=50)]] | None = Field(
        default=None, max_length=20
    )
    booking_instruction: Text | None = Field(default=None, max_length=1000)
    journal: SingleLine | None = Field(default=None, max_length=20)
    period: str | None = Field(default=None, pattern=PERIOD)
    lines: list[LineInput] | None = Field(default=None, max_length=200)


class ProposalIds(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"proposal_ids": [PROPOSAL_EXAMPLE["id"]]}]},
    )

    proposal_ids: list[UUID] = Field(min_length=1, max_length=500)


class TemplateChoice(BaseModel):
    """Which of the counterparty's templates fills the proposal's detail lines."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"template": 1}]})

    template: int = Field(
        ge=0,
        description="The template's position (0 = the first, the most used) in the list "
        "`GET /dossiers/{dossier_id}/counterparties/{number}/templates` gives for the "
        "proposal's counterparty (also `templates` of `GET .../suggestions`)",
    )


class BulkMove(ProposalIds):
    """Move a set of proposals (and their documents) to another dossier of the office."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "proposal_ids": [PROPOSAL_EXAMPLE["id"]],
                    "dossier_id": "d0551e20-0000-4000-8000-000000000002",
                }
            ]
        },
    )

    dossier_id: UUID = Field(description="The dossier to move them to (same office)")


class BulkChange(ProposalIds):
    """Change the type, journal or period of a set of proposals; at least one of them."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"proposal_ids": [PROPOSAL_EXAMPLE["id"]], "period": "2026-11"}]
        },
    )

    mailbox: Mailbox | None = Field(default=None, description="The type: purchase, sales, misc")
    journal: SingleLine | None = Field(default=None, max_length=20)
    period: str | None = Field(default=None, pattern=PERIOD)


class Counts(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "tabs": {"purchase": 3, "sales": 2, "misc": 11},
                    "filters": {
                        "no_counterparty": 0,
                        "amount_zero": 0,
                        "duplicates": 2,
                        "not_checked": 2,
                        "date_after_period": 2,
                    },
                }
            ]
        }
    )

    tabs: dict[str, int]
    filters: dict[str, int]


class MergeRequest(BaseModel):
    """Proposals of one dossier to merge into one document, in the order their pages follow
    each other."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "proposal_ids": [
                        "b00c0000-0000-4000-8000-0000000000a1",
                        "b00c0000-0000-4000-8000-0000000000a2",
                    ]
                }
            ]
        },
    )

    # Counted by the domain (`domain/merging.py`), which answers 422 with one sentence.
    proposal_ids: list[UUID] = Field(max_length=500)


class MergeRequested(BaseModel):
    """The merge asked of ingest: the proposals left the worklist; the merged document's
    proposal comes once it is read (or, if ingest cannot merge them, the proposals come back)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "merge_id": "3e60e000-0000-4000-8000-0000000000e1",
                    "proposal_ids": [
                        "b00c0000-0000-4000-8000-0000000000a1",
                        "b00c0000-0000-4000-8000-0000000000a2",
                    ],
                    "document_ids": [
                        "5d0c0000-0000-4000-8000-00000000d0c1",
                        "5d0c0000-0000-4000-8000-00000000d0c2",
                    ],
                }
            ]
        }
    )

    merge_id: UUID
    proposal_ids: list[UUID]
    document_ids: list[UUID] = Field(description="The documents merged, in page order")
