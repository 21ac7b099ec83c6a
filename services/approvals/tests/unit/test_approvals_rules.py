"""The rule semantics of approvals.domain.rules, with seed 003's examples."""

from decimal import Decimal
from uuid import uuid4

import pytest
from approvals.domain.rules import (
    AlreadyDecided,
    Approval,
    ApprovalStatus,
    CallerStatus,
    InvoiceFacts,
    InvoiceRule,
    Limit,
    NotYours,
    PaymentRule,
    approver_limits,
    invoice_requirement,
    payment_requirement,
)

PHILIPPE = "philippe.robert@client.example"  # the seed's fallback approver
PROJECT_LEAD = "lead@client.example"
BUYER = "buyer@client.example"
CFO = "cfo@client.example"
SUPPLIER_X = "BE0123456749"
SUPPLIER_Y = "BE0987654321"

PROJECT_2 = InvoiceRule(
    uuid4(), 1, "Label Project 2 from 10.00", (PROJECT_LEAD,), labels=("Project 2",),
    amount_from=Decimal("10.00"),
)  # fmt: skip
FROM_X = InvoiceRule(uuid4(), 1, "Supplier X, any amount", (BUYER,), supplier_vats=(SUPPLIER_X,))
LARGE = InvoiceRule(uuid4(), 1, "From 1,000.89", (CFO,), amount_from=Decimal("1000.89"))
FALLBACK = InvoiceRule(uuid4(), 1, "All other invoices", (PHILIPPE,), is_fallback=True)
SEED_RULES = [PROJECT_2, FROM_X, LARGE, FALLBACK]


def approvers(facts: InvoiceFacts, rules: list[InvoiceRule] = SEED_RULES) -> set[str]:
    requirement = invoice_requirement(rules, facts)
    assert len(requirement.options) <= 1  # an invoice has one way: all matching rules' approvers
    return set(requirement.options[0].approvers) if requirement.options else set()


def invoice(total: str | None, vat: str = SUPPLIER_Y, labels: tuple[str, ...] = ()) -> InvoiceFacts:
    return InvoiceFacts(
        supplier_vat=vat, total=None if total is None else Decimal(total), labels=labels
    )


@pytest.mark.parametrize(
    ("facts", "expected"),
    [
        # label "Project 2" from 10.00: from 10.00 included, and only with the label
        (invoice("10.00", labels=("Project 2",)), {PROJECT_LEAD}),
        (invoice("9.99", labels=("Project 2",)), {PHILIPPE}),
        (invoice("50.00", labels=("project 2",)), {PROJECT_LEAD}),
        (invoice("50.00", labels=("Project 3",)), {PHILIPPE}),
        # supplier X, any amount (also when the total was not read)
        (invoice("0.01", vat=SUPPLIER_X), {BUYER}),
        (invoice(None, vat=SUPPLIER_X), {BUYER}),
        (invoice("5.00", vat="be 0123.456.749"), {BUYER}),
        # from 1,000.89, whatever the supplier
        (invoice("1000.88"), {PHILIPPE}),
        (invoice("1000.89"), {CFO}),
        # every matching rule's approvers: the union
        (invoice("2500.00", vat=SUPPLIER_X), {BUYER, CFO}),
        (invoice("2500.00", vat=SUPPLIER_X, labels=("Project 2",)), {BUYER, CFO, PROJECT_LEAD}),
        # no total read: no amount rule matches, so the fallback
        (invoice(None), {PHILIPPE}),
    ],
)
def test_every_matching_rule_adds_its_approvers_and_the_fallback_takes_the_rest(
    facts: InvoiceFacts, expected: set[str]
) -> None:
    assert approvers(facts) == expected


def test_the_approval_records_the_rules_and_versions_it_was_created_under() -> None:
    requirement = invoice_requirement(SEED_RULES, invoice("2500.00", vat=SUPPLIER_X))
    [option] = requirement.options
    assert {(ref.rule_id, ref.version) for ref in option.rules} == {(FROM_X.id, 1), (LARGE.id, 1)}


def test_an_approver_on_two_matching_rules_approves_once() -> None:
    both = InvoiceRule(uuid4(), 1, "X too", (BUYER, CFO), supplier_vats=(SUPPLIER_X,))
    facts = invoice("2000.00", vat=SUPPLIER_X)
    approval = Approval(ApprovalStatus.PENDING, invoice_requirement([FROM_X, LARGE, both], facts))
    assert approval.required == {BUYER, CFO}
    assert approval.approve(BUYER).approve(CFO).status is ApprovalStatus.APPROVED


def test_inactive_rules_are_not_tested_and_without_any_rule_no_approval_is_needed() -> None:
    inactive = InvoiceRule(uuid4(), 2, "off", (CFO,), active=False)
    assert approvers(invoice("5.00"), [inactive, FALLBACK]) == {PHILIPPE}
    assert invoice_requirement([inactive], invoice("5.00")).needs_nobody
    assert invoice_requirement([], invoice("5.00")).needs_nobody
    inactive_fallback = InvoiceRule(uuid4(), 1, "fb", (PHILIPPE,), is_fallback=True, active=False)
    assert invoice_requirement([inactive_fallback], invoice("5.00")).needs_nobody


def test_a_rule_without_criteria_matches_every_invoice() -> None:
    everything = InvoiceRule(uuid4(), 1, "all", (CFO,))
    assert approvers(invoice("0.01"), [everything, FALLBACK]) == {CFO}


def test_two_required_approvers_one_approval_leaves_it_to_approve() -> None:
    facts = invoice("2500.00", vat=SUPPLIER_X)
    approval = Approval(ApprovalStatus.PENDING, invoice_requirement(SEED_RULES, facts))
    assert approval.caller_status(BUYER) is CallerStatus.TO_APPROVE_BY_ME
    assert approval.caller_status(PHILIPPE) is CallerStatus.TO_APPROVE

    once = approval.approve(BUYER)
    assert once.status is ApprovalStatus.PENDING
    assert once.caller_status(BUYER) is CallerStatus.TO_APPROVE
    assert once.caller_status(CFO) is CallerStatus.TO_APPROVE_BY_ME
    assert once.waiting_for() == {CFO}

    twice = once.approve(CFO)
    assert twice.status is ApprovalStatus.APPROVED
    assert twice.caller_status(BUYER) is CallerStatus.APPROVED


def test_approving_twice_or_by_a_stranger_or_after_the_decision_is_refused() -> None:
    facts = invoice("2500.00", vat=SUPPLIER_X)
    once = Approval(ApprovalStatus.PENDING, invoice_requirement(SEED_RULES, facts)).approve(BUYER)
    with pytest.raises(AlreadyDecided, match="approved it already"):
        once.approve(BUYER)
    with pytest.raises(NotYours, match=f"not waiting for {PHILIPPE}; it waits for {CFO}"):
        once.approve(PHILIPPE)
    with pytest.raises(NotYours):
        once.check_may_reject(PHILIPPE, administrator=True)
    once.check_may_reject(CFO)
    done = once.approve(CFO)
    with pytest.raises(AlreadyDecided, match="already approved"):
        done.approve(PROJECT_LEAD)
    with pytest.raises(AlreadyDecided, match="already approved"):
        done.check_may_reject(CFO)


# --- payments --------------------------------------------------------------------------------

A = "a@client.example"
B = "b@client.example"
AMOUNT = Decimal("5000.00")


def payment_rule(*limits: tuple[str, str | None], active: bool = True) -> PaymentRule:
    return PaymentRule(
        uuid4(),
        1,
        " and ".join(who for who, _ in limits),
        tuple(Limit(who, None if top is None else Decimal(top)) for who, top in limits),
        active=active,
    )


def pending_payment(rules: list[PaymentRule], amount: Decimal = AMOUNT) -> Approval:
    requirement = payment_requirement(rules, amount)
    status = ApprovalStatus.BLOCKED if requirement.blocked_reason else ApprovalStatus.PENDING
    return Approval(status, requirement, amount=amount, limits=approver_limits(rules))


def test_a_can_not_approve_above_a_maximum_b_can_alone() -> None:
    approval = pending_payment([payment_rule((A, "1000.00")), payment_rule((B, "10000.00"))])
    assert approval.status is ApprovalStatus.PENDING
    assert approval.caller_status(A) is CallerStatus.TO_APPROVE
    assert approval.caller_status(B) is CallerStatus.TO_APPROVE_BY_ME
    with pytest.raises(
        NotYours, match=r"5,000.00 is above the maximum you may approve \(1,000.00\)"
    ):
        approval.approve(A)
    assert approval.approve(B).status is ApprovalStatus.APPROVED


def test_a_rule_with_several_approvers_needs_all_of_them() -> None:
    approval = pending_payment([payment_rule((A, "10000.00"), (B, "10000.00"))])
    after_a = approval.approve(A)
    assert after_a.status is ApprovalStatus.PENDING
    assert after_a.waiting_for() == {B}
    assert after_a.approve(B).status is ApprovalStatus.APPROVED


def test_one_complete_rule_is_enough_when_several_apply() -> None:
    rules = [payment_rule((A, "10000.00"), (B, "10000.00")), payment_rule((B, None))]
    assert pending_payment(rules).approve(B).status is ApprovalStatus.APPROVED
    assert pending_payment(rules).approve(A).status is ApprovalStatus.PENDING


def test_a_rule_applies_only_when_all_its_approvers_may_approve_the_amount() -> None:
    approval = pending_payment([payment_rule((A, "1000.00"), (B, "10000.00"))])
    assert approval.status is ApprovalStatus.BLOCKED
    assert approval.requirement.blocked_reason == (
        "no rule lets all its approvers approve 5,000.00: above the maximum of a@client.example "
        "(1,000.00)"
    )
    assert pending_payment(
        [payment_rule((A, "1000.00"), (B, "10000.00"))], Decimal("1000.00")
    ).required == {A, B}


def test_a_payment_above_every_maximum_can_not_be_approved_and_says_so() -> None:
    rules = [payment_rule((A, "1000.00")), payment_rule((B, "10000.00"))]
    approval = pending_payment(rules, Decimal("20000.00"))
    assert approval.status is ApprovalStatus.BLOCKED
    reason = "the payment of 20,000.00 is above every approver's maximum (the highest is 10,000.00)"
    assert approval.requirement.blocked_reason == reason
    assert approval.caller_status(B) is CallerStatus.CANNOT_BE_APPROVED
    with pytest.raises(NotYours, match=r"cannot be approved: the payment of 20,000\.00"):
        approval.approve(B)
    approval.check_may_reject(B)  # a named approver may reject it
    approval.check_may_reject("admin@client.example", administrator=True)
    with pytest.raises(NotYours):
        approval.check_may_reject("someone@client.example")


def test_no_active_payment_rule_means_it_can_not_be_approved() -> None:
    assert (
        payment_requirement([payment_rule((A, None), active=False)], AMOUNT).blocked_reason
        == "the dossier has no active payment approval rule"
    )
    assert payment_requirement([], AMOUNT).blocked_reason is not None


def test_unlimited_approvers_and_the_limits_kept_for_refusals() -> None:
    rules = [payment_rule((A, "50.00")), payment_rule((A, "1000.00"), (B, None))]
    assert approver_limits(rules) == {A: Decimal("1000.00"), B: None}
    assert pending_payment(rules, Decimal("1000000.00")).status is ApprovalStatus.BLOCKED
    assert pending_payment([payment_rule((B, None))], Decimal("999999999.99")).required == {B}
