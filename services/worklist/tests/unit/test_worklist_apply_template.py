"""Applying a counterparty's template to a proposal: the total excluding VAT split by the
template's shares (Decimal, adding up to the cent), VAT from the codes as an edit computes it."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from worklist.domain.editing import InvalidReference, NotEditable, apply_template
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine
from worklist.domain.suggestions import Template, TemplateLine

from services.worklist.tests.unit.bookings import booking


def template(*lines: tuple[str, str | None, str]) -> Template:
    return Template(
        lines=tuple(TemplateLine(gl, vat, Decimal(share)) for gl, vat, share in lines),
        uses=2,
        last_used=date(2026, 10, 1),
        booking_ids=("a", "b"),
    )


THIRDS = template(
    ("604000", "A21", "0.3333"), ("612000", "D21", "0.3333"), ("600000", "A06", "0.3334")
)


@pytest.mark.parametrize(
    "total", ["100.00", "0.01", "0.02", "1.00", "99.99", "1234.57", "-100.00", "1000000.01"]
)
def test_the_split_adds_up_exactly_to_the_total_in_decimal(total: str) -> None:
    filled = THIRDS.fill(Decimal(total))
    amounts = [line.amount_excl_vat for line in filled]
    assert all(isinstance(amount, Decimal) for amount in amounts)
    assert all(amount == amount.quantize(Decimal("0.01")) for amount in amounts)
    assert sum(amounts) == Decimal(total)


def test_thirds_of_a_hundred_give_the_cent_to_the_largest_share() -> None:
    assert [line.amount_excl_vat for line in THIRDS.fill(Decimal("100.00"))] == [
        Decimal("33.33"),
        Decimal("33.33"),
        Decimal("33.34"),
    ]


def test_the_lines_become_the_template_s_with_vat_from_the_codes(ledger: LedgerData) -> None:
    proposal = booking(total_excl_vat=Decimal("200.00"))
    applied = apply_template(
        proposal, template(("604000", "A21", "0.75"), ("612000", "D21", "0.25")), ledger
    )
    assert applied.lines == (
        DetailLine("604000", Decimal("150.00"), "A21", Decimal("31.50")),
        DetailLine("612000", Decimal("50.00"), "D21", Decimal("10.50")),
    )
    assert applied.lines_source == "template"
    assert replace(applied, lines=proposal.lines, lines_source="default") == proposal


def test_a_sent_or_booked_proposal_is_not_changed(ledger: LedgerData) -> None:
    for stage in ("sent", "booked"):
        with pytest.raises(NotEditable, match=f"is {stage} and can no longer be changed"):
            apply_template(booking(stage=stage), THIRDS, ledger)


def test_a_proposal_without_counterparty_or_total_is_refused(ledger: LedgerData) -> None:
    with pytest.raises(InvalidReference, match="has no counterparty"):
        apply_template(booking(counterparty_number=None), THIRDS, ledger)
    with pytest.raises(InvalidReference, match="no total excluding VAT"):
        apply_template(booking(total_excl_vat=None), THIRDS, ledger)


def test_a_template_on_an_account_the_books_no_longer_have_is_refused(
    ledger: LedgerData,
) -> None:
    with pytest.raises(InvalidReference, match="line 1: GL account 611111 is unknown"):
        apply_template(booking(), template(("611111", "A21", "1")), ledger)
