"""Rules that name suppliers by counterparty number or VAT number, the suppliers an invoice
resolves to in the ledger copy, and what a rule may name (known suppliers, dossier users)."""

from decimal import Decimal
from uuid import uuid4

from approvals.domain.rules import (
    InvoiceFacts,
    InvoiceRule,
    Supplier,
    invoice_facts,
    invoice_requirement,
    names_added,
    resolve_suppliers,
    rule_matches,
    unknown_approvers,
    unknown_suppliers,
)

BUYER = "buyer@client.example"
PHILIPPE = "philippe.robert@client.example"
VAN_DAMME = Supplier("L0004", "Drukkerij Van Damme", "BE0123456749", ("BE71 0961 2345 6769",))
VAN_DAMME_GENT = Supplier("L0009", "Drukkerij Van Damme Gent", "BE0123456749", ())
JANSSENS = Supplier("L0007", "Meelhandel Janssens", None, ("BE68539007547034",))
BOOKS = [VAN_DAMME, VAN_DAMME_GENT, JANSSENS]

BY_NUMBER = InvoiceRule(uuid4(), 1, "Janssens", (BUYER,), supplier_numbers=("L0007",))
BY_VAT = InvoiceRule(uuid4(), 1, "Van Damme", (BUYER,), supplier_vats=("BE0123456749",))
FALLBACK = InvoiceRule(uuid4(), 1, "All other invoices", (PHILIPPE,), is_fallback=True)


def facts(vat: str | None = None, iban: str | None = None, total: str = "50.00") -> InvoiceFacts:
    """An invoice as approvals tests it: resolved against the books like the service does."""
    found = resolve_suppliers(BOOKS, vat, iban)
    return InvoiceFacts(
        supplier_vat=vat,
        total=Decimal(total),
        supplier_numbers=tuple(s.number for s in found),
        supplier_ledger_vats=tuple(s.vat_number for s in found if s.vat_number),
    )


def test_an_invoice_resolves_by_vat_number_first_then_by_iban() -> None:
    assert resolve_suppliers(BOOKS, "be 0123.456.749", None) == (VAN_DAMME, VAN_DAMME_GENT)
    # the VAT number wins over the IBAN when the books know it
    assert resolve_suppliers(BOOKS, "BE0123456749", "BE68539007547034") == (
        VAN_DAMME,
        VAN_DAMME_GENT,
    )
    # no VAT number on the invoice, or one the books do not know: by IBAN (any spacing)
    assert resolve_suppliers(BOOKS, None, "be68 5390 0754 7034") == (JANSSENS,)
    assert resolve_suppliers(BOOKS, "BE0999999999", "BE71096123456769") == (VAN_DAMME,)
    assert resolve_suppliers(BOOKS, "BE0999999999", None) == ()
    assert resolve_suppliers(BOOKS, None, None) == ()
    assert resolve_suppliers([], "BE0123456749", "BE71096123456769") == ()


def test_a_rule_by_counterparty_number_matches_the_invoices_of_that_supplier() -> None:
    # Janssens has no VAT number in the books: its invoices are known by their IBAN
    assert rule_matches(BY_NUMBER, facts(iban="BE68539007547034"))
    assert not rule_matches(BY_NUMBER, facts(vat="BE0123456749"))
    assert not rule_matches(BY_NUMBER, facts())
    assert invoice_requirement([BY_NUMBER, FALLBACK], facts(iban="BE68539007547034")).options[
        0
    ].approvers == {BUYER}
    assert invoice_requirement([BY_NUMBER, FALLBACK], facts(vat="BE0123456749")).options[
        0
    ].approvers == {PHILIPPE}


def test_a_rule_by_vat_number_matches_by_the_invoice_or_by_the_books() -> None:
    assert rule_matches(BY_VAT, facts(vat="BE 0123 456 749"))
    # the invoice shows no VAT number, only an IBAN of Van Damme: the books give its VAT number
    assert rule_matches(BY_VAT, facts(iban="BE71096123456769"))
    # a supplier the books do not know yet still matches by the VAT number on the invoice
    assert rule_matches(BY_VAT, InvoiceFacts(supplier_vat="BE0123456749"))
    assert not rule_matches(BY_VAT, facts(iban="BE68539007547034"))
    # a rule naming a number and a VAT number matches invoices of either
    both = InvoiceRule(
        uuid4(), 1, "both", (BUYER,), supplier_vats=("BE0123456749",), supplier_numbers=("L0007",)
    )
    assert rule_matches(both, facts(vat="BE0123456749"))
    assert rule_matches(both, facts(iban="BE68539007547034"))
    assert not rule_matches(both, InvoiceFacts(supplier_vat="BE0987654321"))


def test_a_rule_names_only_suppliers_of_the_books_and_users_of_the_dossier() -> None:
    assert unknown_suppliers(BOOKS, ["L0004", "L0099"], ["BE 0123.456.749", "BE0987654321"]) == [
        "L0099",
        "BE0987654321",
    ]
    assert unknown_suppliers([], ["L0004"], []) == ["L0004"]
    assert unknown_suppliers(BOOKS, [], []) == []
    users = [BUYER, PHILIPPE]
    assert unknown_approvers(users, [BUYER, "cfo@client.example"]) == ["cfo@client.example"]
    assert unknown_approvers(users, [PHILIPPE]) == []
    # subjects are compared exactly: the approver decides with a token of that subject
    assert unknown_approvers(users, ["Buyer@client.example"]) == ["Buyer@client.example"]
    assert unknown_approvers([], [BUYER]) == [BUYER]


def test_a_new_rule_names_all_it_names_a_change_only_what_it_adds() -> None:
    new = {"approvers": [BUYER, PHILIPPE], "supplier_numbers": ["L0007"], "supplier_vats": []}
    assert names_added("invoice", new) == ([BUYER, PHILIPPE], ["L0007"], [])
    before = {"approvers": [BUYER], "supplier_numbers": ["L0007"], "supplier_vats": None}
    assert names_added("invoice", new, before) == ([PHILIPPE], [], [])
    # A deactivated rule whose approver left the dossier names nothing new to check.
    assert names_added("invoice", before | {"active": False}, before) == ([], [], [])


def test_a_payment_rule_names_the_approvers_of_its_limits_and_no_suppliers() -> None:
    limits = {"limits": [{"approver": BUYER, "max_amount": "1000.00"}, {"approver": PHILIPPE}]}
    assert names_added("payment", limits) == ([BUYER, PHILIPPE], [], [])
    assert names_added("payment", limits, {"limits": [{"approver": BUYER}]}) == ([PHILIPPE], [], [])


def test_the_facts_an_approval_keeps_read_back_with_a_decimal_total() -> None:
    kept = {"supplier_vat": "BE0123456749", "total": "1000.89", "labels": ["Project 2"]}
    assert invoice_facts(kept) == InvoiceFacts(
        supplier_vat="BE0123456749", total=Decimal("1000.89"), labels=("Project 2",)
    )
    assert invoice_facts({}) == InvoiceFacts()
