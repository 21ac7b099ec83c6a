"""Templates after three bookings, the learnt line model and what the proposer returns."""

from datetime import date, timedelta
from decimal import Decimal

from worklist.domain.suggestions import (
    DossierHistory,
    InvoiceHeader,
    InvoiceLine,
    LineModel,
    LineQuery,
    PastBooking,
    PastLine,
    templates_for,
)
from worklist.domain.suggestions.calibration import Calibrator
from worklist.domain.suggestions.features import amount_band, description_tokens

DAY = date(2026, 1, 5)


def booking(
    number: int, supplier: str, *lines: tuple[str, str, str, str], rate: str = "21"
) -> PastBooking:
    return PastBooking(
        f"B{number}",
        supplier,
        DAY + timedelta(days=7 * number),
        tuple(
            PastLine(gl, vat, Decimal(amount), text, Decimal(rate))
            for gl, vat, amount, text in lines
        ),
    )


def energy(number: int, power: str = "300.00", network: str = "100.00") -> PastBooking:
    return booking(
        number,
        "L0010",
        ("612000", "A21", power, "Elektriciteit verbruik"),
        ("612010", "A21", network, "Distributie netbeheer"),
    )


def test_no_template_before_three_bookings_then_one_that_fills_the_total() -> None:
    assert templates_for([energy(1), energy(2)]) == []
    [template] = templates_for([energy(1), energy(2, "200.00", "200.00"), energy(3)])
    assert template.uses == 3
    assert template.booking_ids == ("B3", "B2", "B1")
    # Median shares: 0.75 and 0.25, whatever one month's proportion was.
    assert [(line.gl_account, line.vat_code, line.share) for line in template.lines] == [
        ("612000", "A21", Decimal("0.7500")),
        ("612010", "A21", Decimal("0.2500")),
    ]
    filled = template.fill(Decimal("100.01"))
    assert [line.amount_excl_vat for line in filled] == [Decimal("75.01"), Decimal("25.00")]
    assert sum(line.amount_excl_vat for line in filled) == Decimal("100.01")


def test_bookings_booked_differently_make_several_templates_most_used_first() -> None:
    other_way = booking(4, "L0010", ("613900", "A21", "400.00", "Energie"))
    templates = templates_for([energy(1), other_way, energy(2), energy(3)])
    assert [template.uses for template in templates] == [3, 1]
    assert templates[1].pattern == (("613900", "A21"),)


def test_descriptions_lose_digits_and_accents_and_amounts_fall_in_doubling_bands() -> None:
    assert description_tokens("Électricité 01/2026") == ["w:electricite", "p:elec"]
    assert amount_band(Decimal("480")) == amount_band(Decimal("510"))
    assert amount_band(Decimal("480")) != amount_band(Decimal("1100"))


def test_the_model_suggests_from_similar_past_lines_and_names_them() -> None:
    model = LineModel()
    for number in range(1, 4):
        model.learn(
            booking(
                number,
                "L0020",
                ("612300", "D21", "60.00", "Abonnement mobiel 2 lijnen"),
                ("612310", "A21", "32.50", "Toestel afbetaling 3/24"),
            )
        )
    handset = model.suggest("L0020", LineQuery("Toestel afbetaling 7/24", Decimal("32.50")))
    assert handset is not None
    assert (handset.gl_account, handset.vat_code) == ("612310", "A21")
    assert [evidence.booking_id for evidence in handset.evidence] == ["B3", "B2", "B1"]
    subscription = model.suggest("L0020", LineQuery("abonnement mobiel", Decimal("70.00")))
    assert subscription is not None and subscription.gl_account == "612300"
    assert subscription.confidence > 0.5


def test_the_model_follows_a_change_of_account_once_it_outweighs_the_past() -> None:
    model = LineModel(neighbours=3)
    for number in range(1, 4):
        model.learn(booking(number, "L0020", ("612300", "D21", "60.00", "Abonnement mobiel")))
    for number in range(4, 6):
        model.learn(booking(number, "L0020", ("613300", "D21", "60.00", "Abonnement mobiel")))
    suggestion = model.suggest("L0020", LineQuery("Abonnement mobiel", Decimal("60.00")))
    assert suggestion is not None and suggestion.gl_account == "613300"


def test_an_empty_history_suggests_nothing() -> None:
    assert LineModel().suggest("L1", LineQuery("Huur", Decimal("1000"))) is None
    assert DossierHistory().propose("L1", InvoiceHeader(Decimal("1000"))) is None


def test_calibration_moves_towards_what_happened() -> None:
    calibrator = Calibrator()
    assert calibrator.confidence(0.95) == 0.95  # nothing seen: the raw score
    for _ in range(36):
        calibrator.record(0.95, correct=False)
    assert calibrator.confidence(0.95) < 0.2
    assert calibrator.confidence(0.55) == 0.55  # another band is untouched


def test_the_proposer_fills_from_the_template_when_the_invoice_has_no_lines() -> None:
    history = DossierHistory()
    for number in range(1, 4):
        history.learn(energy(number))
    proposed = history.propose(
        "L0010", InvoiceHeader(Decimal("200.00"), ((Decimal("21"), Decimal("200.00")),))
    )
    assert proposed is not None and proposed.source == "template"
    assert [(line.gl_account, line.amount_excl_vat) for line in proposed.lines] == [
        ("612000", Decimal("150.00")),
        ("612010", Decimal("50.00")),
    ]
    assert proposed.confidence == 1.0 and len(proposed.templates) == 1


def test_the_proposer_books_an_invoices_own_lines_with_the_model() -> None:
    history = DossierHistory()
    for number in range(1, 4):
        history.learn(energy(number))
    header = InvoiceHeader(
        Decimal("90.00"),
        lines=(
            InvoiceLine("Netbeheer distributie", Decimal("40.00"), Decimal("21")),
            InvoiceLine("Elektriciteit", Decimal("50.00"), Decimal("21")),
        ),
    )
    proposed = history.propose("L0010", header)
    assert proposed is not None and proposed.source == "model"
    assert [(line.gl_account, line.amount_excl_vat) for line in proposed.lines] == [
        ("612010", Decimal("40.00")),
        ("612000", Decimal("50.00")),
    ]
    assert proposed.templates  # still listed to choose from


def test_before_three_bookings_the_model_proposes_one_line_per_vat_rate() -> None:
    history = DossierHistory()
    history.learn(booking(1, "L0040", ("604000", "A6", "120.00", "Bloem"), rate="6"))
    header = InvoiceHeader(Decimal("80.00"), ((Decimal("6"), Decimal("80.00")),))
    proposed = history.propose("L0040", header)
    assert proposed is not None and proposed.source == "model"
    assert [(line.gl_account, line.vat_code) for line in proposed.lines] == [("604000", "A6")]
    assert history.propose("L9999", header) is None  # an unknown supplier: nothing learnt
