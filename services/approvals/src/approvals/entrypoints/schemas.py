"""Request and response bodies of the approvals API, with the examples its OpenAPI shows.

FastAPI leaves nulls out of examples, so the examples show values (or leave out fields that
default to null).
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from ledgerline.money import Money
from ledgerline.text import SingleLine, Text
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from approvals.domain.rules import CallerStatus, normalise_vat

# --- examples ------------------------------------------------------------------------------------

DOSSIER_ID = "d0551e00-0000-4000-8000-000000000001"
INVOICE_RULE_ID = "a9900000-0000-4000-8000-000000000001"
PAYMENT_RULE_ID = "a9900000-0000-4000-8000-000000000002"
DOCUMENT_ID = "5d0c0000-0000-4000-8000-00000000d0c1"
PAYMENT_ID = "9a000000-0000-4000-8000-000000000001"
ADMINISTRATOR = "clara.admin@bakkerij-peeters.example"
APPROVER = "ben.baker@bakkerij-peeters.example"
SECOND_APPROVER = "fien.finance@bakkerij-peeters.example"
CREATED_AT = "2026-11-30T09:00:00Z"
DECIDED_AT = "2026-11-30T14:30:00Z"

INVOICE_RULE_INPUT_EXAMPLE: dict[str, Any] = {
    "name": "Flour suppliers from 1000 EUR",
    "supplier_vats": ["BE0403170701"],
    "supplier_numbers": ["L0004"],
    "labels": ["raw materials"],
    "amount_from": "1000.00",
    "approvers": [APPROVER, SECOND_APPROVER],
    "is_fallback": False,
    "active": True,
}
INVOICE_RULE_EXAMPLE: dict[str, Any] = INVOICE_RULE_INPUT_EXAMPLE | {
    "id": INVOICE_RULE_ID,
    "dossier_id": DOSSIER_ID,
    "version": 2,
    "created_at": CREATED_AT,
    "updated_at": "2026-11-30T11:15:00Z",
}
PAYMENT_RULE_INPUT_EXAMPLE: dict[str, Any] = {
    "name": "Payments: Ben up to 5000 EUR, Fien unlimited",
    "approvers": [
        {"approver": APPROVER, "max_amount": "5000.00"},
        {"approver": SECOND_APPROVER},
    ],
    "active": True,
}
PAYMENT_RULE_EXAMPLE: dict[str, Any] = {
    "id": PAYMENT_RULE_ID,
    "dossier_id": DOSSIER_ID,
    "name": "Payments: Ben up to 5000 EUR, Fien unlimited",
    "approvers": [
        {"approver": APPROVER, "max_amount": "5000.00"},
        {"approver": SECOND_APPROVER},
    ],
    "active": True,
    "version": 1,
    "created_at": CREATED_AT,
    "updated_at": CREATED_AT,
}
APPROVAL_EXAMPLE: dict[str, Any] = {
    "kind": "invoice",
    "id": DOCUMENT_ID,
    "dossier_id": DOSSIER_ID,
    "status": "pending",
    "my_status": "to_approve_by_me",
    "amount": "1210.00",
    "counterparty": "Meelhandel Janssens NV",
    "options": [
        {
            "approvers": [APPROVER, SECOND_APPROVER],
            "rules": [
                {"rule_id": INVOICE_RULE_ID, "version": 2, "name": "Flour suppliers from 1000 EUR"}
            ],
        }
    ],
    "approved_by": [SECOND_APPROVER],
    "waiting_for": [APPROVER],
    "decisions": [
        {
            "approver": SECOND_APPROVER,
            "decision": "approved",
            "reason": "Prices as agreed",
            "decided_at": DECIDED_AT,
        }
    ],
    "details": {
        "supplier_vat": "BE0403170701",
        "supplier_name": "Meelhandel Janssens NV",
        "total": "1210.00",
        "labels": ["raw materials"],
    },
    "created_at": CREATED_AT,
}
AUDIT_RECORD_EXAMPLE: dict[str, Any] = {
    "id": 42,
    "dossier_id": DOSSIER_ID,
    "at": DECIDED_AT,
    "actor": SECOND_APPROVER,
    "action": "approved (partly)",
    "entity": "invoice",
    "entity_id": DOCUMENT_ID,
    "before": {"status": "pending", "approved_by": []},
    "after": {
        "status": "pending",
        "approved_by": [SECOND_APPROVER],
        "waiting_for": [APPROVER],
    },
    "reason": "Prices as agreed",
}
AUDIT_CSV_EXAMPLE = (
    "id,at,actor,action,entity,entity_id,before,after,reason\r\n"
    f"42,2026-11-30T14:30:00+00:00,{SECOND_APPROVER},approved (partly),invoice,{DOCUMENT_ID},"
    '"{""approved_by"": [], ""status"": ""pending""}",'
    f'"{{""approved_by"": [""{SECOND_APPROVER}""], ""status"": ""pending"", '
    f'""waiting_for"": [""{APPROVER}""]}}",Prices as agreed\r\n'
)

# --- approvers -----------------------------------------------------------------------------------

# Approvers are the platform's users, named by their token subject: an e-mail address.
APPROVER_PATTERN = r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
_APPROVER = re.compile(APPROVER_PATTERN)
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
Approver = Annotated[SingleLine, Field(max_length=254, examples=[APPROVER])]


def _check_approvers(approvers: list[str]) -> list[str]:
    unknown = [approver for approver in approvers if not _APPROVER.fullmatch(approver)]
    if unknown:
        raise ValueError(
            "unknown approver "
            + ", ".join(repr(a[:60]) for a in unknown)
            + ": an approver is a user of the platform, named by their e-mail address"
        )
    doubles = sorted({a for a in approvers if approvers.count(a) > 1})
    if doubles:
        raise ValueError("an approver is named once per rule: " + ", ".join(doubles))
    return approvers


# --- invoice rules -------------------------------------------------------------------------------


class InvoiceRuleInput(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [INVOICE_RULE_INPUT_EXAMPLE]})

    name: SingleLine = Field(min_length=1, max_length=120)
    supplier_vats: list[Annotated[SingleLine, Field(max_length=32)]] = Field(
        default=[],
        max_length=200,
        description="Suppliers by VAT number (a supplier of the dossier's books); with "
        "`supplier_numbers` none: every supplier",
    )
    supplier_numbers: list[Annotated[SingleLine, Field(min_length=1, max_length=40)]] = Field(
        default=[],
        max_length=200,
        description="Suppliers by their counterparty number in the books (see `GET .../suppliers`)"
        "; an invoice from such a supplier is matched by its VAT number or IBAN",
    )
    labels: list[Annotated[SingleLine, Field(min_length=1, max_length=60)]] = Field(
        default=[], max_length=50, description="None: every invoice, labelled or not"
    )
    amount_from: Money | None = Field(
        default=None, description="Invoices of this total (incl. VAT) or more; none: any amount"
    )
    approvers: list[Approver] = Field(
        min_length=1, max_length=50, description="Who must approve (every one of them)"
    )
    is_fallback: bool = Field(
        default=False, description="Applies to the invoices no other active rule matches"
    )
    active: bool = True

    @field_validator("approvers")
    @classmethod
    def known_approvers(cls, value: list[str]) -> list[str]:
        return _check_approvers(value)

    @field_validator("supplier_vats")
    @classmethod
    def vat_numbers(cls, value: list[str]) -> list[str]:
        normalised = []
        for vat in value:
            compact = normalise_vat(vat)
            if compact is None or not _VAT.fullmatch(compact):
                raise ValueError(
                    f"unknown supplier {vat[:40]!r}: give the supplier's VAT number, "
                    "e.g. BE0123456749"
                )
            normalised.append(compact)
        return list(dict.fromkeys(normalised))

    @field_validator("supplier_numbers")
    @classmethod
    def once_each(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(value))

    @model_validator(mode="after")
    def fallback_has_no_criteria(self) -> "InvoiceRuleInput":
        if self.is_fallback and (
            self.supplier_vats
            or self.supplier_numbers
            or self.labels
            or self.amount_from is not None
        ):
            raise ValueError(
                "a fallback rule applies to every invoice no other rule matches: "
                "it has no suppliers, labels or amount"
            )
        return self


class InvoiceRule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [INVOICE_RULE_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    name: str
    supplier_vats: list[str]
    supplier_numbers: list[str]
    labels: list[str]
    amount_from: Decimal | None = None
    approvers: list[str]
    is_fallback: bool
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


# --- payment rules -------------------------------------------------------------------------------


class PaymentApproverInput(BaseModel):
    approver: Approver
    max_amount: Money | None = Field(
        default=None, description="The most this approver may approve; none: unlimited"
    )


class PaymentRuleInput(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_RULE_INPUT_EXAMPLE]})

    name: SingleLine = Field(min_length=1, max_length=120)
    approvers: list[PaymentApproverInput] = Field(
        min_length=1,
        max_length=50,
        description="With several approvers, all of them must approve a payment",
    )
    active: bool = True

    @field_validator("approvers")
    @classmethod
    def known_approvers(cls, value: list[PaymentApproverInput]) -> list[PaymentApproverInput]:
        _check_approvers([item.approver for item in value])
        return value


class PaymentApproverLimit(BaseModel):
    approver: str
    max_amount: Decimal | None = Field(default=None, description="None: unlimited")


class PaymentRule(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [PAYMENT_RULE_EXAMPLE]})

    id: UUID
    dossier_id: UUID
    name: str
    approvers: list[PaymentApproverLimit]
    active: bool
    version: int
    created_at: datetime
    updated_at: datetime


# --- the invoice approval process ----------------------------------------------------------------


class ProcessSetting(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"enabled": True}]})

    enabled: bool = Field(description="Purchase invoices arriving from now on need approval")


# --- approvals -----------------------------------------------------------------------------------


class RuleVersion(BaseModel):
    rule_id: UUID
    version: int
    name: str


class ApprovalOption(BaseModel):
    approvers: list[str] = Field(description="Every one of them approves")
    rules: list[RuleVersion] = Field(description="The rules (and versions) it comes from")


class Decision(BaseModel):
    approver: str
    decision: Literal["approved", "rejected"]
    reason: str | None = None
    decided_at: datetime


class ApprovalView(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [APPROVAL_EXAMPLE]})

    kind: Literal["invoice", "payment"]
    id: UUID = Field(description="The invoice's document id or the payment's id")
    dossier_id: UUID
    status: Literal["pending", "blocked", "approved", "rejected"]
    my_status: CallerStatus = Field(description="The status as the caller sees it")
    amount: Decimal | None = None
    counterparty: str | None = None
    options: list[ApprovalOption] = Field(
        description="Ways to approve it: all approvers of one option. An invoice has one (every "
        "matching rule's approvers); a payment one per rule that may approve its amount"
    )
    approved_by: list[str]
    rejected_by: str | None = None
    waiting_for: list[str]
    blocked_reason: str | None = Field(
        default=None, description="Why no one can approve it (payments)"
    )
    decision_reason: str | None = None
    decisions: list[Decision]
    details: dict[str, Any]
    created_at: datetime
    decided_at: datetime | None = None


class DecisionInput(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "Prices as agreed"}]})

    reason: Text | None = Field(default=None, max_length=1000)


class BulkDecisionInput(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ids": [DOCUMENT_ID, "5d0c0000-0000-4000-8000-00000000d0c2"],
                    "reason": "Checked against the delivery notes",
                }
            ]
        }
    )

    ids: list[UUID] = Field(
        min_length=1, max_length=500, description="Document ids (invoices) or payment ids"
    )
    reason: Text | None = Field(default=None, max_length=1000)


# --- audit trail ---------------------------------------------------------------------------------


class AuditRecord(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [AUDIT_RECORD_EXAMPLE]})

    id: int
    dossier_id: UUID
    at: datetime
    actor: str
    action: str
    entity: str
    entity_id: UUID
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    reason: str | None = None


# --- what the rule editor offers -----------------------------------------------------------------


class KnownSupplier(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "number": "L0004",
                    "name": "Meelhandel Janssens NV",
                    "vat_number": "BE0403170701",
                    "ibans": ["BE71096123456769"],
                }
            ]
        }
    )

    number: str = Field(description="The counterparty's number in the books")
    name: str
    vat_number: str | None = None
    ibans: list[str]


class KnownUser(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "subject": APPROVER,
                    "name": "Ben Baker",
                    "email": APPROVER,
                    "profile": "client_full_access",
                }
            ]
        }
    )

    subject: str = Field(description="What a rule names as approver")
    name: str
    email: str
    profile: str
