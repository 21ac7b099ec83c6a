"""Editing, checking and sending a proposal; statuses; confidence levels."""

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from worklist.domain.confidence import level
from worklist.domain.editing import InvalidReference, NotEditable, apply_changes
from worklist.domain.ledger import LedgerData
from worklist.domain.lines import DetailLine
from worklist.domain.sending import (
    NotSendable,
    back_from_the_books,
    deletion_applies,
    deletion_message,
    validated_event,
)
from worklist.domain.status_events import status_changed
from worklist.domain.statuses import STATUS_LABELS

from services.worklist.tests.unit.bookings import booking


def test_statuses_follow_what_the_office_did(ledger: LedgerData) -> None:
    assert booking().status(ledger) == "ok"
    assert booking(checked=True).status(ledger) == "checked"
    assert booking(checked=True, lines=()).status(ledger) == "checked_suspense"
    suspense = (DetailLine("999999", Decimal("100.00"), "A21", Decimal("21.00")),)
    assert booking(checked=True, lines=suspense).status(ledger) == "checked_suspense"
    assert booking(checked=True, on_hold=True).status(ledger) == "on_hold"
    assert booking(help_asked=True).status(ledger) == "help_asked"
    assert booking(stage="booked", on_hold=True).status(ledger) == "booked"
    assert STATUS_LABELS["ok_duplicate"] == "! Ok"
    assert STATUS_LABELS["checked_suspense"] == "Checked with suspense account"


def test_editing_lines_recomputes_vat_unless_locked(ledger: LedgerData) -> None:
    edited = apply_changes(
        booking(),
        {
            "lines": [
                DetailLine("604000", Decimal("60.00"), "A21", Decimal("0")),
                DetailLine("600000", Decimal("40.00"), "A06", Decimal("2.35"), locked=True),
            ]
        },
        ledger,
    )
    assert [line.vat_amount for line in edited.lines] == [Decimal("12.60"), Decimal("2.35")]
    assert edited.lines_source == "manual"


def test_lines_stay_of_their_source_until_the_lines_themselves_are_edited(
    ledger: LedgerData,
) -> None:
    template = booking(lines_source="template")
    assert apply_changes(template, {"booking_instruction": "x"}, ledger).lines_source == "template"
    assert apply_changes(template, {"lines": []}, ledger).lines_source == "manual"


def test_a_change_of_status_is_told_and_no_change_is_not() -> None:
    proposal_id, document_id = uuid.uuid4(), uuid.uuid4()
    at = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    event = status_changed(
        proposal_id=proposal_id,
        document_id=document_id,
        old_status="ok",
        new_status="checked",
        reason="checked",
        at=at,
        changed_by="eva@office.example",
    )
    assert event is not None
    assert (event.old_status, event.new_status, event.reason) == ("ok", "checked", "checked")
    assert (event.proposal_id, event.document_id, event.changed_at) == (
        proposal_id,
        document_id,
        at,
    )
    made = status_changed(
        proposal_id=proposal_id,
        document_id=document_id,
        old_status=None,
        new_status="ok_new",
        reason="made",
        at=at,
    )
    assert made is not None and made.old_status is None
    unchanged = status_changed(
        proposal_id=proposal_id,
        document_id=document_id,
        old_status="checked",
        new_status="checked",
        reason="checked",
        at=at,
    )
    assert unchanged is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"lines": [DetailLine("123456", Decimal(1), "A21", Decimal(0))]},
            "line 1: GL account 123456 is unknown to the dossier",
        ),
        (
            {"lines": [DetailLine("604000", Decimal(1), "X99", Decimal(0))]},
            "line 1: VAT code X99 is unknown to the dossier",
        ),
        ({"journal": "NOPE"}, "journal NOPE is unknown to the dossier"),
        ({"period": "2025-01"}, "period 2025-01 is unknown to the dossier"),
        ({"period": "2026-09"}, "period 2026-09 is closed"),
        ({"counterparty_number": "L9999"}, "counterparty L9999 is unknown to the dossier"),
    ],
)
def test_unknown_references_and_closed_periods_are_refused_by_name(
    ledger: LedgerData, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidReference) as refused:
        apply_changes(booking(), changes, ledger)
    assert str(refused.value) == message


@pytest.mark.parametrize("stage", ["sent", "booked"])
def test_a_sent_or_booked_proposal_is_not_edited(ledger: LedgerData, stage: str) -> None:
    with pytest.raises(NotEditable):
        apply_changes(booking(stage=stage), {"invoice_number": "X"}, ledger)


def test_typing_a_counterparty_by_hand_makes_it_new(ledger: LedgerData) -> None:
    edited = apply_changes(booking(), {"counterparty_name": "Nieuw BV"}, ledger)
    assert (edited.counterparty_number, edited.auto_status) == (None, "ok_new")
    back = apply_changes(edited, {"counterparty_number": "L0001"}, ledger)
    assert (back.counterparty_name, back.auto_status) == ("Molens Dedeyne", "ok")


def test_sending_gives_header_lines_and_vat_lines(ledger: LedgerData) -> None:
    two_lines = (
        DetailLine("604000", Decimal("60.00"), "A21", Decimal("12.60"), comment="dozen"),
        DetailLine("604000", Decimal("40.00"), "A21", Decimal("8.40")),
    )
    event = validated_event(booking(lines=two_lines, checked=True), ledger, "eva@office.example")
    assert (event.journal, event.period, event.counterparty_number) == ("CFAAN", "2026-11", "L0006")
    assert [(line.gl_account, line.amount_excl_vat, line.description) for line in event.lines] == [
        ("604000", Decimal("60.00"), "dozen"),
        ("604000", Decimal("40.00"), None),
    ]
    [vat] = event.vat_lines
    assert (vat.vat_code, vat.base, vat.vat_amount) == ("A21", Decimal("100.00"), Decimal("21.00"))


def test_without_lines_it_is_sent_without_detail(ledger: LedgerData) -> None:
    event = validated_event(booking(lines=(), checked=True), ledger, "eva")
    assert (event.lines, event.vat_lines) == ((), ())


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        (
            {"total_incl_vat": Decimal("131.00")},
            "the detail lines add up to 121.00, the invoice total is 131.00",
        ),
        ({"auto_status": "ok_duplicate"}, "is ! Ok: only Ok and Checked proposals can be sent"),
        ({"auto_status": "nok"}, "is Nok"),
        ({"checked": True, "on_hold": True}, "is On hold"),
        ({"invoice_date": None}, "lacks: invoice_date"),
        ({"period": "2026-09"}, "period 2026-09 is closed"),
        ({"currency": "USD"}, "is in USD: give the day's exchange rate"),
        (
            {"currency": "USD", "exchange_rate": Decimal("1.08"), "journal": "CFCNAK"},
            "journal CFCNAK does not allow foreign currency",
        ),
    ],
)
def test_what_cannot_be_sent_says_why(
    ledger: LedgerData, overrides: dict[str, object], reason: str
) -> None:
    with pytest.raises(NotSendable) as refused:
        validated_event(booking(**overrides), ledger, "eva")
    assert reason in str(refused.value)


def test_a_foreign_currency_invoice_travels_with_its_rate(ledger: LedgerData) -> None:
    event = validated_event(booking(currency="USD", exchange_rate=Decimal("1.08")), ledger, "eva")
    assert (event.currency, event.exchange_rate) == ("USD", Decimal("1.08"))


def test_credit_notes_are_sent_with_positive_amounts(ledger: LedgerData) -> None:
    credit = booking(
        document_type="credit_note",
        journal="CFCNAK",
        total_excl_vat=Decimal("-100.00"),
        total_vat=Decimal("-21.00"),
        total_incl_vat=Decimal("-121.00"),
        lines=(DetailLine("604000", Decimal("-100.00"), "A21", Decimal("-21.00")),),
    )
    event = validated_event(credit, ledger, "eva")
    assert (event.document_type, event.total_incl_vat, event.lines[0].amount_excl_vat) == (
        "credit_note",
        Decimal("121.00"),
        Decimal("100.00"),
    )


@pytest.mark.parametrize(
    ("value", "stars"),
    [
        (Decimal("0.95"), "full"),
        (Decimal("0.9"), "full"),
        (Decimal("0.85"), "half"),
        (Decimal("0.79"), "grey"),
        (None, "grey"),
    ],
)
def test_confidence_levels(value: Decimal | None, stars: str) -> None:
    assert level(value) == stars


def test_a_booking_deleted_from_the_books_brings_its_proposal_back_to_validate(
    ledger: LedgerData,
) -> None:
    booked = booking(stage="booked", checked=True)
    assert booked.status(ledger) == "booked"
    back = back_from_the_books(booked)
    assert (back.stage, back.checked, back.status(ledger)) == ("open", False, "ok")
    # Sendable again once checked (validated) again.
    assert validated_event(back, ledger, "eva@office.example").proposal_id == back.id
    assert deletion_message("CFAAN", "26000214", "wrong supplier") == (
        "deleted in the books (CFAAN/26000214): wrong supplier"
    )
    assert deletion_message("CFAAN", "26000214", None) == "deleted in the books (CFAAN/26000214)"


def test_only_the_deletion_of_the_proposal_s_current_booking_applies() -> None:
    assert deletion_applies("booked", ("CFAAN", "26000214"), ("CFAAN", "26000214"))
    assert not deletion_applies("open", ("CFAAN", None), ("CFAAN", "26000214"))  # told twice
    assert not deletion_applies("sent", ("CFAAN", None), ("CFAAN", "26000214"))
    # Booked again since under another number: an old deletion changes nothing.
    assert not deletion_applies("booked", ("CFAAN", "26000215"), ("CFAAN", "26000214"))


def test_a_period_closed_in_the_books_after_the_proposal_is_warned_and_not_sent(
    ledger: LedgerData,
) -> None:
    """The proposal was made in the open 2026-11; the package closed it since (a sync): its
    next review shows the seed's "period closed" warning, and it cannot be sent there."""
    from worklist.domain.review import review

    closed = LedgerData(
        counterparties=ledger.counterparties,
        accounts=ledger.accounts,
        vat_codes=ledger.vat_codes,
        journals=ledger.journals,
        periods=tuple(
            p.model_copy(update={"status": "closed"}) if p.code == "2026-11" else p
            for p in ledger.periods
        ),
    )
    proposal = booking(checked=True)
    warnings = review(
        ledger=closed,
        invoice_date=proposal.invoice_date,
        period=proposal.period,
        lines=proposal.lines,
        total_incl_vat=proposal.total_incl_vat,
        duplicate_of=None,
    )
    assert [(w.code, w.message) for w in warnings] == [
        ("period_closed", "period 2026-11 is closed")
    ]
    with pytest.raises(NotSendable, match="period 2026-11 is closed"):
        validated_event(proposal, closed, "eva")
