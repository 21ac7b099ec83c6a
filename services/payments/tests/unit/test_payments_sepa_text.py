"""Conversion of names and texts to the SEPA basic Latin character set."""

from __future__ import annotations

import pytest
from payments.domain.sepa_text import (
    SEPA_CHARACTERS,
    SepaTextConverter,
    convert_to_sepa,
    is_sepa_text,
    to_sepa,
)


@pytest.mark.parametrize(
    ("text", "converted", "replacements"),
    [
        ("Café", "Cafe", (("é", "e"),)),
        ("Müller & Söhne", "Muller + Sohne", (("ü", "u"), ("&", "+"), ("ö", "o"))),
        ("Straße", "Strasse", (("ß", "ss"),)),
        ("Łódź", "Lodz", (("Ł", "L"), ("ó", "o"), ("ź", "z"))),
        ("Ærøskøbing", "AEroskobing", (("Æ", "AE"), ("ø", "o"))),
        ("Ça coûte 5 €", "Ca coute 5 EUR", (("Ç", "C"), ("û", "u"), ("€", "EUR"))),
        ("“Quoted” — text", "'Quoted' - text", (("“", "'"), ("”", "'"), ("—", "-"))),
        ("info@example.be", "info(at)example.be", (("@", "(at)"),)),
        ("Ｆｕｌｌ", "Full", (("Ｆ", "F"), ("ｕ", "u"), ("ｌ", "l"))),  # NFKD compatibility forms
        ("Star ★ dropped", "Star  dropped", (("★", ""),)),
        ("tab\there", "tab here", (("\t", " "),)),
    ],
)
def test_conversion_and_its_report(
    text: str, converted: str, replacements: tuple[tuple[str, str], ...]
) -> None:
    assert convert_to_sepa(text) == (converted, replacements)
    assert to_sepa(text) == converted
    assert is_sepa_text(converted)


def test_text_in_the_set_is_returned_unchanged() -> None:
    allowed = "".join(sorted(SEPA_CHARACTERS))
    assert convert_to_sepa(allowed) == (allowed, ())
    assert is_sepa_text("Factuur 2026/001 (deel 1): 'ok' + ? , . -")
    assert not is_sepa_text("Factuur #1")


def test_converter_reports_each_changed_field_in_input_order() -> None:
    converter = SepaTextConverter()
    assert converter.convert("Dupont & Fils", "creditor.name", 2) == "Dupont + Fils"
    assert converter.convert("Plain", "creditor.name", 0) == "Plain"
    assert converter.convert("Zoë", "remittance.value", 0) == "Zoe"
    assert converter.convert("Société", "debtor.name") == "Societe"
    report = converter.report()
    assert [(c.field, c.original, c.converted) for c in report] == [
        ("debtor.name", "Société", "Societe"),
        ("payments[0].remittance.value", "Zoë", "Zoe"),
        ("payments[2].creditor.name", "Dupont & Fils", "Dupont + Fils"),
    ]
    assert report[0].as_dict() == {
        "field": "debtor.name",
        "original": "Société",
        "converted": "Societe",
        "replacements": [{"from": "é", "to": "e"}],
    }
