"""Who must approve an invoice or a payment, and when it is decided. Pure: no I/O.

Invoice approval rules (seed 003, "Goedkeuringsproces voor facturen")
-------------------------------------------------------------------------
A dossier's invoice rule has none, one or several suppliers (by VAT number or by counterparty
number, both from the dossier's synced ledger), none, one or several labels, an "amount from" (or none), one or several approvers, and is active or not. One rule of
the dossier may be the fallback ("all invoices that no other rule has approved must be approved
by ...").

Every purchase invoice is tested against every active rule. A rule *matches* an invoice when
each criterion the rule sets holds; a criterion the rule leaves empty holds for every invoice:

* suppliers: the invoice's supplier VAT number is one of the rule's (compared without spaces,
  dots and case: "BE 0123.456.749" is "BE0123456749"), or the supplier the ledger copy resolves
  from the invoice is one of the rule's: by number, or by its VAT number in the books. The
  invoice is resolved by its VAT number to the suppliers of the books with that VAT number and,
  when none has it (or the invoice shows none), by its IBAN to the suppliers with that IBAN
  (see `resolve_suppliers`);
* labels: the invoice carries at least one of the rule's labels (case-insensitive);
* amount from: the invoice's total (incl. VAT) is known and at least that amount ("from
  10.00" includes 10.00). An invoice whose total was not read matches no amount rule.

The approvers of *all* matching rules must approve: the invoice needs the union of their
approvers, each of them once (an approver on two matching rules approves once). When no rule
matches, the fallback rule's approvers must approve. When no rule matches and there is no active
fallback, the invoice needs no approval and is approved as it arrives. Anyone of the required
approvers may reject it; one rejection rejects the invoice.

The seed's examples (unit-tested in tests/unit/test_approvals_rules.py):
label "Project 2" from 10.00 -> an invoice labelled "Project 2" of 9.99 does not match it, one
of 10.00 does; supplier X, any amount -> every invoice of X; invoices from 1,000.89 -> every
invoice of 1,000.89 or more, whatever its supplier; a fallback approver -> every invoice
no other rule matches (and no other).

Payment approval rules (seed 003, "Het goedkeuringsproces voor betalingen")
---------------------------------------------------------------------------
A payment rule names one or several approvers, each with the maximum amount they may approve
(none: unlimited). With several approvers on one rule, all of them must approve ("bij meerdere
goedkeurders voor één regel zullen al deze personen de betaling moeten goedkeuren"). The seed
lets the requester pick one rule; payments' `payment.approval-requested.v1` names none, so
every active rule is an alternative and one suffices:

* a rule *applies* to a payment when every one of its approvers may approve the amount (all of
  them must approve it, so each must be allowed to);
* the payment is approved as soon as all approvers of any one applying rule have approved;
* when no rule applies (the amount is above every approver's maximum, or the dossier has no
  active rule) the payment cannot be approved: the approval says why, approving answers that
  reason, and it can only be rejected.

Example: A may approve up to 1,000 (rule 1), B up to 10,000 (rule 2): a payment of 5,000 can be
approved by B alone and not by A. With one rule "A and B both" (each up to 10,000) it needs A
and B. With one rule A (1,000) and B (10,000) on it, 5,000 is above A's maximum, so that rule
does not apply: all its approvers could not approve it.

Versions: an approval stores the rules (id and version) it was created under and the approvers
they required; later rule changes never alter a pending approval.
"""

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    BLOCKED = "blocked"  # a payment no rule can approve: it can only be rejected
    APPROVED = "approved"
    REJECTED = "rejected"


class CallerStatus(StrEnum):
    """The status the purchase mailbox shows, from the caller's point of view."""

    TO_APPROVE_BY_ME = "to_approve_by_me"
    TO_APPROVE = "to_approve"
    CANNOT_BE_APPROVED = "cannot_be_approved"
    APPROVED = "approved"
    REJECTED = "rejected"


class NotYours(Exception):
    """The caller may not decide this approval (403); the message says why."""


class AlreadyDecided(Exception):
    """The approval or this caller's part of it is already decided (409)."""


_VAT_NOISE = re.compile(r"[\s.\-/]")


def normalise_vat(vat: str | None) -> str | None:
    if vat is None:
        return None
    compact = _VAT_NOISE.sub("", vat).upper()
    return compact or None


def money(amount: Decimal) -> str:
    return f"{amount:,.2f}"


# --- invoices ------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvoiceRule:
    id: UUID
    version: int
    name: str
    approvers: tuple[str, ...]
    supplier_vats: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    amount_from: Decimal | None = None
    is_fallback: bool = False
    active: bool = True
    supplier_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Supplier:
    """A supplier of the dossier's books, as approvals' copy of the ledger has it."""

    number: str
    name: str
    vat_number: str | None = None
    ibans: tuple[str, ...] = ()


def normalise_iban(iban: str | None) -> str | None:
    if iban is None:
        return None
    compact = re.sub(r"\s", "", iban).upper()
    return compact or None


def resolve_suppliers(
    suppliers: Iterable[Supplier], vat: str | None, iban: str | None
) -> tuple[Supplier, ...]:
    """The suppliers of the books an invoice comes from: those with its VAT number; when none
    has it (or the invoice shows none), those with its IBAN; else none. Several suppliers may
    share a VAT number (branches) or an IBAN: the invoice is from each of them."""
    known = list(suppliers)
    wanted_vat = normalise_vat(vat)
    if wanted_vat is not None:
        by_vat = tuple(s for s in known if normalise_vat(s.vat_number) == wanted_vat)
        if by_vat:
            return by_vat
    wanted_iban = normalise_iban(iban)
    if wanted_iban is not None:
        return tuple(s for s in known if wanted_iban in {normalise_iban(i) for i in s.ibans})
    return ()


def unknown_suppliers(
    suppliers: Iterable[Supplier], numbers: Iterable[str], vats: Iterable[str]
) -> list[str]:
    """What a rule names that is no supplier of the books: numbers, then VAT numbers."""
    known = list(suppliers)
    known_numbers = {s.number for s in known}
    known_vats = {normalise_vat(s.vat_number) for s in known} - {None}
    return [n for n in numbers if n not in known_numbers] + [
        v for v in vats if normalise_vat(v) not in known_vats
    ]


def unknown_approvers(users: Iterable[str], approvers: Iterable[str]) -> list[str]:
    """The approvers a rule names who are not users of the dossier. Compared exactly: an approver
    decides with a token whose subject must be the one the rule names."""
    known = set(users)
    return [approver for approver in approvers if approver not in known]


def _named(kind: str, values: Any) -> tuple[list[str], list[str], list[str]]:
    """The approvers, supplier numbers and supplier VAT numbers a rule names (its values, or its
    row: both answer `get`)."""
    if kind == "payment":
        return [limit["approver"] for limit in values.get("limits") or []], [], []
    return (
        list(values.get("approvers") or []),
        list(values.get("supplier_numbers") or []),
        list(values.get("supplier_vats") or []),
    )


def names_added(
    kind: str, values: Any, before: Any | None = None
) -> tuple[list[str], list[str], list[str]]:
    """The approvers, supplier numbers and supplier VAT numbers a rule's new values name that
    its version `before` (none: a new rule) did not: a change checks only what it adds, so a rule
    can still be changed (e.g. deactivated) after one of its approvers left the dossier or one of
    its suppliers left the books."""
    approvers, numbers, vats = _named(kind, values)
    if before is not None:
        kept_approvers, kept_numbers, kept_vats = _named(kind, before)
        approvers = [a for a in approvers if a not in kept_approvers]
        numbers = [n for n in numbers if n not in kept_numbers]
        vats = [v for v in vats if v not in kept_vats]
    return approvers, numbers, vats


@dataclass(frozen=True)
class InvoiceFacts:
    """What approvals knows of a purchase invoice when it arrives."""

    supplier_vat: str | None = None
    supplier_name: str | None = None
    total: Decimal | None = None
    labels: tuple[str, ...] = ()
    # The suppliers of the books the invoice resolves to (resolve_suppliers), when known.
    supplier_numbers: tuple[str, ...] = ()
    supplier_ledger_vats: tuple[str, ...] = ()


def invoice_facts(facts: Mapping[str, Any]) -> InvoiceFacts:
    """The invoice's facts as an approval keeps them (JSON: the total a string)."""
    return InvoiceFacts(
        supplier_vat=facts.get("supplier_vat"),
        supplier_name=facts.get("supplier_name"),
        total=None if facts.get("total") is None else Decimal(facts["total"]),
        labels=tuple(facts.get("labels") or ()),
        supplier_numbers=tuple(facts.get("supplier_numbers") or ()),
        supplier_ledger_vats=tuple(facts.get("supplier_ledger_vats") or ()),
    )


def rule_matches(rule: InvoiceRule, invoice: InvoiceFacts) -> bool:
    if rule.supplier_vats or rule.supplier_numbers:
        vats = {normalise_vat(vat) for vat in rule.supplier_vats} - {None}
        invoice_vats = {
            normalise_vat(vat) for vat in (invoice.supplier_vat, *invoice.supplier_ledger_vats)
        }
        by_vat = bool(vats & invoice_vats)
        by_number = bool(set(rule.supplier_numbers) & set(invoice.supplier_numbers))
        if not (by_vat or by_number):
            return False
    if rule.labels:
        wanted = {label.casefold() for label in rule.labels}
        if not wanted & {label.casefold() for label in invoice.labels}:
            return False
    # An amount rule matches only invoices whose total was read and reaches the amount.
    return rule.amount_from is None or (
        invoice.total is not None and invoice.total >= rule.amount_from
    )


@dataclass(frozen=True)
class RuleRef:
    rule_id: UUID
    version: int
    name: str


@dataclass(frozen=True)
class Option:
    """One way to approve: every approver here approves. The rules it comes from."""

    approvers: frozenset[str]
    rules: tuple[RuleRef, ...]


@dataclass(frozen=True)
class Requirement:
    """Who must approve, decided when the approval is created (and never again)."""

    options: tuple[Option, ...]
    blocked_reason: str | None = None

    @property
    def needs_nobody(self) -> bool:
        return not self.options and self.blocked_reason is None


def invoice_requirement(rules: Iterable[InvoiceRule], invoice: InvoiceFacts) -> Requirement:
    active = [rule for rule in rules if rule.active]
    matching = [rule for rule in active if not rule.is_fallback and rule_matches(rule, invoice)]
    if not matching:
        matching = [rule for rule in active if rule.is_fallback][:1]
    if not matching:
        return Requirement(options=())
    approvers = frozenset(approver for rule in matching for approver in rule.approvers)
    refs = tuple(RuleRef(rule.id, rule.version, rule.name) for rule in matching)
    return Requirement(options=(Option(approvers, refs),))


# --- payments ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Limit:
    approver: str
    max_amount: Decimal | None  # None: unlimited

    def allows(self, amount: Decimal) -> bool:
        return self.max_amount is None or amount <= self.max_amount


@dataclass(frozen=True)
class PaymentRule:
    id: UUID
    version: int
    name: str
    limits: tuple[Limit, ...]
    active: bool = True

    def applies_to(self, amount: Decimal) -> bool:
        return all(limit.allows(amount) for limit in self.limits)


def payment_requirement(rules: Iterable[PaymentRule], amount: Decimal) -> Requirement:
    active = [rule for rule in rules if rule.active]
    if not active:
        return Requirement(
            options=(), blocked_reason="the dossier has no active payment approval rule"
        )
    options = tuple(
        Option(
            frozenset(limit.approver for limit in rule.limits),
            (RuleRef(rule.id, rule.version, rule.name),),
        )
        for rule in active
        if rule.applies_to(amount)
    )
    if options:
        return Requirement(options=options)
    limits = [limit for rule in active for limit in rule.limits]
    if all(not limit.allows(amount) for limit in limits):
        highest = max(limit.max_amount for limit in limits if limit.max_amount is not None)
        reason = (
            f"the payment of {money(amount)} is above every approver's maximum "
            f"(the highest is {money(highest)})"
        )
    else:
        short = sorted(
            {
                f"{limit.approver} ({money(limit.max_amount)})"
                for limit in limits
                if not limit.allows(amount) and limit.max_amount is not None
            }
        )
        reason = (
            f"no rule lets all its approvers approve {money(amount)}: "
            f"above the maximum of {', '.join(short)}"
        )
    return Requirement(options=(), blocked_reason=reason)


def approver_limits(rules: Iterable[PaymentRule]) -> dict[str, Decimal | None]:
    """Each approver of the active rules and the highest amount they may approve (None:
    unlimited), kept with a payment's approval so that a refusal can say why."""
    limits: dict[str, Decimal | None] = {}
    for rule in rules:
        if not rule.active:
            continue
        for limit in rule.limits:
            if limit.approver in limits:
                known = limits[limit.approver]
                if known is None or limit.max_amount is None:
                    limits[limit.approver] = None
                else:
                    limits[limit.approver] = max(known, limit.max_amount)
            else:
                limits[limit.approver] = limit.max_amount
    return limits


# --- deciding ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Approval:
    """An approval as stored: what it requires (fixed at creation) and who decided so far."""

    status: ApprovalStatus
    requirement: Requirement
    approved_by: frozenset[str] = frozenset()
    amount: Decimal | None = None
    # Payments: the caller's maximum on the rules it was created under, for the 403's reason.
    limits: dict[str, Decimal | None] = field(default_factory=dict)

    @property
    def required(self) -> frozenset[str]:
        """Everyone whose approval counts towards some option."""
        return frozenset(a for option in self.requirement.options for a in option.approvers)

    def waiting_for(self) -> frozenset[str]:
        """Who can still move it forward: those of a still possible option who did not approve."""
        if self.status is not ApprovalStatus.PENDING:
            return frozenset()
        return self.required - self.approved_by

    def caller_status(self, caller: str) -> CallerStatus:
        if self.status is ApprovalStatus.APPROVED:
            return CallerStatus.APPROVED
        if self.status is ApprovalStatus.REJECTED:
            return CallerStatus.REJECTED
        if self.status is ApprovalStatus.BLOCKED:
            return CallerStatus.CANNOT_BE_APPROVED
        return (
            CallerStatus.TO_APPROVE_BY_ME
            if caller in self.waiting_for()
            else CallerStatus.TO_APPROVE
        )

    def _check_open(self, caller: str) -> None:
        if self.status in (ApprovalStatus.APPROVED, ApprovalStatus.REJECTED):
            raise AlreadyDecided(f"it is already {self.status.value}")
        if caller in self.approved_by:
            raise AlreadyDecided(f"{caller} approved it already")

    def approve(self, caller: str) -> "Approval":
        """The approval after the caller's approval; approved when one option is complete."""
        self._check_open(caller)
        if self.status is ApprovalStatus.BLOCKED:
            raise NotYours(f"it cannot be approved: {self.requirement.blocked_reason}")
        if caller not in self.required:
            raise NotYours(self._why_not(caller))
        approved_by = self.approved_by | {caller}
        done = any(option.approvers <= approved_by for option in self.requirement.options)
        return Approval(
            status=ApprovalStatus.APPROVED if done else ApprovalStatus.PENDING,
            requirement=self.requirement,
            approved_by=approved_by,
            amount=self.amount,
            limits=self.limits,
        )

    def check_may_reject(self, caller: str, *, administrator: bool = False) -> None:
        """A required approver may reject; a payment no rule can approve, also an administrator
        of the dossier or an approver named on the rules it was created under."""
        self._check_open(caller)
        if caller in self.required:
            return
        if self.status is ApprovalStatus.BLOCKED and (administrator or caller in self.limits):
            return
        raise NotYours(self._why_not(caller))

    def _why_not(self, caller: str) -> str:
        waiting = ", ".join(sorted(self.waiting_for())) or "nobody"
        limit = self.limits.get(caller)
        if limit is not None and self.amount is not None and self.amount > limit:
            return (
                f"{money(self.amount)} is above the maximum you may approve ({money(limit)}); "
                f"it waits for {waiting}"
            )
        return f"it is not waiting for {caller}; it waits for {waiting}"
