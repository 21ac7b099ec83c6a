"""Enrichment from the dossier's books: counterparty, journal, period, detail lines, status."""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import VatBreakdown
from worklist.domain.duplicates import Registered, number_digits
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import default_lines, default_lines_source
from worklist.domain.proposals import ProposalDraft, enrich, propose

Recognised = Callable[..., DocumentRecognized]
DOSSIER = uuid.uuid4()


def proposal(
    recognition: DocumentRecognized,
    ledger: LedgerData,
    mailbox: str = "purchase",
    duplicate_of: Registered | None = None,
    earlier_sales: tuple[str, ...] = (),
    sales_sequence_check: bool = True,
) -> ProposalDraft:
    enrichment = enrich(recognition, dossier_id=DOSSIER, mailbox=mailbox, ledger=ledger)
    lines = default_lines(enrichment.line_request, ledger)
    return propose(
        recognition,
        enrichment,
        ledger=ledger,
        lines=lines,
        lines_source=default_lines_source(lines, ledger),
        duplicate_of=duplicate_of,
        earlier_sales_numbers=earlier_sales,
        sales_sequence_check=sales_sequence_check,
    )


def test_known_supplier_by_vat_gets_its_gl_account_and_vat_code(
    recognised: Recognised, ledger: LedgerData
) -> None:
    draft = proposal(recognised(), ledger)
    assert (draft.status, draft.counterparty_number, draft.counterparty_match) == (
        "ok",
        "L0006",
        "vat",
    )
    assert draft.counterparty_name == "Van Hoorebeke Verpakkingen"  # the books' name
    assert (draft.journal, draft.period) == ("CFAAN", "2026-11")
    [line] = draft.detail_lines
    assert (line.gl_account, line.amount_excl_vat, line.vat_code, line.vat_amount) == (
        "604000",
        Decimal("100.00"),
        "A21",
        Decimal("21.00"),
    )
    assert draft.warnings == ()
    assert draft.confidence == Decimal("1.000")
    assert draft.lines_source == "default"  # the supplier's default GL account and VAT code


@pytest.mark.parametrize(
    ("overrides", "matched_by"),
    [
        ({"supplier_vat": None, "iban": "BE46 0681 8578 5036"}, "iban"),
        ({"supplier_vat": None, "supplier_name": "VAN HOOREBEKE VERPAKKINGEN BV"}, "name"),
    ],
)
def test_without_a_vat_number_the_supplier_is_found_by_iban_then_name(
    recognised: Recognised, ledger: LedgerData, overrides: dict[str, Any], matched_by: str
) -> None:
    draft = proposal(recognised(**overrides), ledger)
    assert (draft.counterparty_number, draft.counterparty_match) == ("L0006", matched_by)
    assert draft.status == "ok"


def test_a_new_supplier_is_ok_new_and_booked_on_suspense(
    recognised: Recognised, ledger: LedgerData
) -> None:
    draft = proposal(
        recognised(supplier_vat="BE0404164418", supplier_name="Brouwerij Het Anker"), ledger
    )
    assert (draft.status, draft.counterparty_number) == ("ok_new", None)
    assert draft.counterparty_vat == "BE0404164418"
    [line] = draft.detail_lines
    assert (line.gl_account, line.vat_code) == ("999999", "A21")
    assert draft.lines_source == "suspense"
    assert draft.confidence < Decimal("0.8")  # new counterparty and suspense: a grey star


def test_one_detail_line_per_vat_rate_with_vat_computed_from_the_code(
    recognised: Recognised, ledger: LedgerData
) -> None:
    draft = proposal(
        recognised(
            total_excl_vat=Decimal("800.00"),
            total_vat=Decimal("78.00"),
            total_incl_vat=Decimal("878.00"),
            vat_breakdown=(
                VatBreakdown(
                    rate=Decimal(6), taxable_amount=Decimal("600.00"), vat_amount=Decimal("36.00")
                ),
                VatBreakdown(
                    rate=Decimal(21), taxable_amount=Decimal("200.00"), vat_amount=Decimal("42.00")
                ),
            ),
        ),
        ledger,
    )
    assert [
        (line.amount_excl_vat, line.vat_code, line.vat_amount) for line in draft.detail_lines
    ] == [
        (Decimal("600.00"), "A06", Decimal("36.00")),
        (Decimal("200.00"), "A21", Decimal("42.00")),
    ]
    assert all(line.gl_account == "604000" for line in draft.detail_lines)


def test_the_invoice_s_own_rounding_is_kept_with_the_lock_closed(
    recognised: Recognised, ledger: LedgerData
) -> None:
    draft = proposal(
        recognised(
            total_excl_vat=Decimal("10.05"),
            total_vat=Decimal("2.10"),
            total_incl_vat=Decimal("12.15"),
            vat_breakdown=(
                VatBreakdown(
                    rate=Decimal(21), taxable_amount=Decimal("10.05"), vat_amount=Decimal("2.10")
                ),
            ),
        ),
        ledger,
    )
    [line] = draft.detail_lines
    assert (line.vat_amount, line.locked) == (Decimal("2.10"), True)  # computed: 2.11
    assert draft.warnings == ()


def test_credit_notes_go_to_the_credit_note_journal(
    recognised: Recognised, ledger: LedgerData
) -> None:
    assert proposal(recognised(document_type="credit_note"), ledger).journal == "CFCNAK"
    sale = proposal(
        recognised(document_type="credit_note", customer_vat="BE0556887787"), ledger, "sales"
    )
    assert (sale.journal, sale.counterparty_number) == ("CFCNVK", "K0006")
    assert sale.detail_lines[0].vat_code == "V21"  # the customer's default V06 is not 21 %


@pytest.mark.parametrize(
    ("invoice_date", "period", "codes"),
    [
        (date(2026, 11, 14), "2026-11", []),
        (date(2026, 9, 3), "2026-10", ["invoice_date_before_period"]),  # 2026-09 is closed
        (date(2027, 1, 5), "2026-12", ["invoice_date_after_period"]),
        (
            date(2017, 11, 13),
            "2026-10",
            ["invoice_date_before_period", "invoice_date_year_outside_period"],
        ),
    ],
)
def test_the_period_is_the_open_one_nearest_the_invoice_date(
    recognised: Recognised, ledger: LedgerData, invoice_date: date, period: str, codes: list[str]
) -> None:
    draft = proposal(recognised(issue_date=invoice_date), ledger)
    assert draft.period == period
    assert [w.code for w in draft.warnings] == codes


def test_a_similar_invoice_already_registered_is_a_possible_duplicate(
    recognised: Recognised, ledger: LedgerData
) -> None:
    registered = Registered(
        "L0006",
        None,
        "VH-0042",
        date(2026, 11, 1),
        Decimal("500"),
        "open item CFAAN/26000012 in the books",
    )
    draft = proposal(recognised(), ledger, duplicate_of=registered)
    assert (draft.status, draft.possible_duplicate) == ("ok_duplicate", True)
    assert [w.code for w in draft.warnings] == ["possible_duplicate"]
    assert "CFAAN/26000012" in draft.warnings[0].message


@pytest.mark.parametrize("status", ["nok", "empty", "ocr"])
def test_incomplete_recognition_keeps_its_status(
    recognised: Recognised, ledger: LedgerData, status: str
) -> None:
    assert proposal(recognised(status=status), ledger).status == status


def test_without_synced_books_the_seed_defaults_apply(recognised: Recognised) -> None:
    draft = proposal(recognised(issue_date=date(2017, 11, 13)), LedgerData())
    assert (draft.status, draft.journal, draft.period) == ("ok_new", "CFAAN", "2017-11")
    assert draft.detail_lines[0].gl_account == "999999"


def test_a_sales_number_out_of_sequence_is_warned(
    recognised: Recognised, ledger: LedgerData
) -> None:
    recognition = recognised(customer_vat="BE0556887787", invoice_number="2026-0180")
    draft = proposal(recognition, ledger, "sales", earlier_sales=("2026-0176", "2026-0177"))
    assert [w.code for w in draft.warnings] == ["sales_number_out_of_sequence"]
    in_order = proposal(
        recognised(customer_vat="BE0556887787", invoice_number="2026-0178"),
        ledger,
        "sales",
        earlier_sales=("2026-0176", "2026-0177"),
    )
    assert in_order.warnings == ()


def test_the_dossier_that_switched_the_sequence_check_off_gets_no_sequence_warning(
    recognised: Recognised, ledger: LedgerData
) -> None:
    recognition = recognised(customer_vat="BE0556887787", invoice_number="2026-0180")
    earlier = ("2026-0176", "2026-0177")
    checked = proposal(recognition, ledger, "sales", earlier_sales=earlier)
    assert [w.code for w in checked.warnings] == ["sales_number_out_of_sequence"]
    unchecked = proposal(
        recognition, ledger, "sales", earlier_sales=earlier, sales_sequence_check=False
    )
    assert unchecked.warnings == ()


def test_a_foreign_currency_invoice_goes_to_a_journal_that_allows_foreign_currency(
    recognised: Recognised, ledger: LedgerData
) -> None:
    """A dossier with two purchase journals, the first (by code) in euros only: a USD invoice
    is proposed in the one that allows foreign currency, and stays in USD; a euro invoice in
    the first."""
    from dataclasses import replace as with_changes

    from ledgerline.events import Journal

    euro_only = Journal(
        code="AAAN",
        name="Aankopen EUR",
        type="purchase",
        number_format="yy000###",
        foreign_currency_allowed=False,
        first_period="2026-01",
        platform=True,
    )
    books = with_changes(ledger, journals=(euro_only, *ledger.journals), _by_code={})
    in_dollars = proposal(recognised(currency="USD"), books)
    assert (in_dollars.journal, in_dollars.currency) == ("CFAAN", "USD")
    assert proposal(recognised(), books).journal == "AAAN"


def test_invoice_numbers_equal_but_for_spaces_and_case_have_the_same_digits() -> None:
    # The database narrows the duplicate lookup to the rows with the same digits: that must
    # keep every number `find_duplicate` calls equal (spaces and case aside).
    assert number_digits(" inv / 2026-0042 ") == number_digits("INV/2026-0042") == "20260042"
    assert number_digits("Straße 7") == number_digits("STRASSE 7") == "7"
    assert number_digits("ABC") == ""
    assert number_digits("   ") is None
    assert number_digits(None) is None
