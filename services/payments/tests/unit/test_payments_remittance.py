"""Remittance information: Belgian OGM/VCS, ISO 11649 RF references and free text."""

from __future__ import annotations

import pytest
from payments.domain.remittance import (
    CreditorReference,
    InvalidRemittance,
    ReferenceScheme,
    Remittance,
    RemittanceType,
    parse_creditor_reference,
    parse_ogm,
    parse_remittance,
    parse_rf,
)


@pytest.mark.parametrize(
    "written",
    [
        "+++010/8068/17183+++",
        "***010/8068/17183***",
        "+++ 010 / 8068 / 17183 +++",
        "010/8068/17183",
        "010806817183",
        "  010806817183  ",
    ],
)
def test_ogm_forms_give_the_12_digits(written: str) -> None:
    assert parse_ogm(written) == "010806817183"
    reference = parse_creditor_reference(written)
    assert reference == CreditorReference(ReferenceScheme.BE_OGM, "010806817183")
    assert reference.issuer == "BBA"
    assert reference.display == "+++010/8068/17183+++"


def test_ogm_remainder_zero_uses_check_digits_97() -> None:
    # 0000000194 = 2 × 97, remainder 0 → check digits 97.
    assert parse_ogm("000000019497") == "000000019497"
    with pytest.raises(InvalidRemittance, match="00 given, 97 expected"):
        parse_ogm("000000019400")


@pytest.mark.parametrize(
    ("written", "message"),
    [
        (
            "+++010/8068/17180+++",
            "structured communication '+++010/8068/17180+++' has wrong check digits: 80 given, "
            "83 expected (0108068171 mod 97).",
        ),
        ("000000000000", "structured communication '000000000000' cannot be all zeros."),
        (
            "+++010/8068/17183***",
            "structured communication '+++010/8068/17183***' must have the same +++ or *** on "
            "both sides of the digits.",
        ),
        (
            "01080681718",
            "'01080681718' is neither a Belgian structured communication (+++123/4567/89012+++ "
            "or 12 digits) nor an ISO 11649 reference (RF followed by check digits).",
        ),
    ],
)
def test_bad_ogm_is_refused_with_one_sentence(written: str, message: str) -> None:
    with pytest.raises(InvalidRemittance) as raised:
        parse_creditor_reference(written)
    assert str(raised.value) == message
    assert raised.value.field == "value"


def test_rf_references() -> None:
    assert parse_rf("RF18 5390 0754 7034") == "RF18539007547034"
    assert parse_rf("rf18539007547034") == "RF18539007547034"
    assert parse_rf("RF712348231") == "RF712348231"  # ISO 11649 annex example
    reference = parse_creditor_reference("RF18 5390 0754 7034")
    assert reference.scheme is ReferenceScheme.ISO11649
    assert reference.issuer == "ISO"
    assert reference.display == "RF18 5390 0754 7034"
    with pytest.raises(InvalidRemittance, match="wrong check digits"):
        parse_rf("RF17 5390 0754 7034")
    with pytest.raises(InvalidRemittance, match="1 to 21 letters or digits"):
        parse_rf("RF18" + "1" * 22)
    with pytest.raises(InvalidRemittance, match="1 to 21 letters or digits"):
        parse_rf("RFAB123")


def test_parse_remittance_per_type() -> None:
    assert parse_remittance("none", None) == Remittance.none()
    assert parse_remittance("unstructured", "  Invoice 7 ") == Remittance(
        RemittanceType.UNSTRUCTURED, text="Invoice 7"
    )
    structured = parse_remittance("structured", "+++010/8068/17183+++")
    assert structured.reference == CreditorReference(ReferenceScheme.BE_OGM, "010806817183")
    assert structured.as_dict() == {"type": "structured", "value": "010806817183"}
    assert Remittance.none().as_dict() == {"type": "none"}


def test_unstructured_limit_counts_characters_after_conversion() -> None:
    assert parse_remittance("unstructured", "é" * 140).text == "é" * 140
    with pytest.raises(InvalidRemittance, match="142 characters long after conversion"):
        parse_remittance("unstructured", "ß" * 71)
    with pytest.raises(InvalidRemittance, match="needs a value"):
        parse_remittance("unstructured", "   ")
    with pytest.raises(InvalidRemittance, match="empty after conversion"):
        parse_remittance("unstructured", "★")
