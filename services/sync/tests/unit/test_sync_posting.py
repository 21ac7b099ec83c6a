"""A validated proposal as the booking the connector posts, on the demo dossier's ledger data;
and posted for real into a copy of the demo ledger."""

import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from ledgerline.events import ProposalLine, ProposalValidated, ProposalVatLine
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import LedgerSnapshot
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE
from sync.domain.posting import ProposalNotPostable, booking_from_proposal

D = Decimal


@pytest.fixture(scope="module")
def snapshot() -> LedgerSnapshot:
    return BeancountConnector(DEMO_ROOT, today=lambda: date(2026, 11, 30)).snapshot(DOSSIER_CODE)


def proposal(**changes: object) -> ProposalValidated:
    values: dict[str, object] = {
        "proposal_id": uuid.uuid4(),
        "document_id": uuid.uuid4(),
        "counterparty_name": "Molens Dedeyne",
        "counterparty_vat": "BE 0299.925.087",
        "invoice_number": "MD-2026-114",
        "invoice_date": date(2026, 11, 12),
        "due_date": date(2026, 12, 12),
        "currency": "EUR",
        "total_excl_vat": "500.00",
        "total_vat": "30.00",
        "total_incl_vat": "530.00",
        "validated_by": "eva@office.example",
    }
    return ProposalValidated(**(values | changes))


def test_without_journal_period_number_or_lines_the_ledger_data_completes_the_booking(
    snapshot: LedgerSnapshot,
) -> None:
    booking = booking_from_proposal(proposal(), snapshot)

    header = booking.header
    assert (header.journal, header.period, header.counterparty_number) == (
        "CFAAN",
        "2026-11",
        "L0001",
    )
    assert [(line.gl_account, line.amount_excl_vat, line.vat_code) for line in booking.lines] == [
        ("999999", D("500.00"), None),
        ("999999", D("30.00"), None),
    ]
    assert booking.vat_lines == ()
    assert header.total_incl_vat == D("530.00") and not header.credit_note


def test_detail_and_vat_lines_are_passed_on_and_a_credit_note_goes_to_its_journal(
    snapshot: LedgerSnapshot,
) -> None:
    booking = booking_from_proposal(
        proposal(
            document_type="credit_note",
            total_excl_vat="-500.00",
            total_vat="-30.00",
            total_incl_vat="-530.00",
            lines=(
                ProposalLine(
                    gl_account="600000", amount_excl_vat="-500.00", vat_code="A06", vat_amount="-30"
                ),
            ),
            vat_lines=(ProposalVatLine(vat_code="A06", base="-500.00", vat_amount="-30.00"),),
        ),
        snapshot,
    )
    assert booking.header.journal == "CFCNAK" and booking.header.credit_note
    assert booking.header.total_incl_vat == D("530.00")
    [line] = booking.lines
    assert (line.gl_account, line.amount_excl_vat, line.vat_code, line.vat_amount) == (
        "600000",
        D("500.00"),
        "A06",
        D("30"),
    )
    assert booking.vat_lines[0].base == D("500.00")


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"invoice_date": None}, "the proposal has no invoice date"),
        ({"journal": "NOPE"}, "journal NOPE is unknown to the dossier"),
        ({"counterparty_number": "L9999"}, "counterparty L9999 is unknown to the dossier"),
        (
            {"counterparty_vat": "BE0999999999", "counterparty_name": "Niemand BV"},
            "no supplier of the dossier has the VAT number BE0999999999 (Niemand BV)",
        ),
    ],
)
def test_what_cannot_be_decided_refuses_with_the_reason(
    snapshot: LedgerSnapshot, changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(ProposalNotPostable) as refused:
        booking_from_proposal(proposal(**changes), snapshot)
    assert reason in refused.value.reason


def test_a_booking_without_detail_balances_in_beancount_on_the_suspense_account(
    empty_root: Path,
) -> None:
    connector = BeancountConnector(empty_root, today=lambda: date(2026, 11, 30))
    validated = proposal()
    posted = connector.post_booking(
        DOSSIER_CODE, booking_from_proposal(validated, connector.snapshot(DOSSIER_CODE))
    )

    assert (posted.journal, posted.document_number) == ("CFAAN", "26000001")
    entries, errors, _ = loader.load_file(str(empty_root / DOSSIER_CODE / "main.beancount"))
    assert errors == []
    [entry] = [
        e
        for e in entries
        if isinstance(e, data.Transaction)
        and e.meta.get("proposal-id") == str(validated.proposal_id)
    ]
    amounts = sorted((p.account, p.units.number) for p in entry.postings)
    assert amounts == [
        ("Assets:999999", D("30.00")),
        ("Assets:999999", D("500.00")),
        ("Liabilities:440000", D("-530.00")),
    ]


def test_a_new_counterparty_is_created_with_the_next_number_and_booked_once(
    empty_root: Path,
) -> None:
    connector = BeancountConnector(empty_root, today=lambda: date(2026, 11, 30))
    validated = proposal(
        counterparty_name="Maalderij De Molen BV",
        counterparty_vat="BE0477472701",
        new_counterparty=True,
        lines=(
            ProposalLine(
                gl_account="600000", amount_excl_vat="500.00", vat_code="A06", vat_amount="30.00"
            ),
        ),
        vat_lines=(ProposalVatLine(vat_code="A06", base="500.00", vat_amount="30.00"),),
    )
    booking = booking_from_proposal(validated, connector.snapshot(DOSSIER_CODE))
    assert booking.header.counterparty_number == "L0013"  # after L0001 ... L0012
    assert booking.header.new_counterparty is not None
    assert (
        booking.header.new_counterparty.name,
        booking.header.new_counterparty.vat_number,
        booking.header.new_counterparty.default_gl_account,
    ) == ("Maalderij De Molen BV", "BE0477472701", "600000")

    connector.post_booking(DOSSIER_CODE, booking)
    connector.post_booking(DOSSIER_CODE, booking)  # delivered twice: booked once
    entries, errors, _ = loader.load_file(str(empty_root / DOSSIER_CODE / "main.beancount"))
    assert errors == []
    assert {
        party.number: party.name
        for party in connector.snapshot(DOSSIER_CODE).counterparties
        if party.number == "L0013"
    } == {"L0013": "Maalderij De Molen BV"}
    transactions = [
        e
        for e in entries
        if isinstance(e, data.Transaction)
        and e.meta.get("proposal-id") == str(validated.proposal_id)
    ]
    assert len(transactions) == 1
    # Known now: the next new supplier gets the number after it.
    assert (
        booking_from_proposal(
            proposal(counterparty_name="Nieuw BV", counterparty_vat=None, new_counterparty=True),
            connector.snapshot(DOSSIER_CODE),
        ).header.counterparty_number
        == "L0014"
    )


def test_a_new_counterparty_is_not_created_when_one_has_its_vat_number(
    snapshot: LedgerSnapshot,
) -> None:
    booking = booking_from_proposal(proposal(new_counterparty=True), snapshot)
    assert (booking.header.counterparty_number, booking.header.new_counterparty) == ("L0001", None)
