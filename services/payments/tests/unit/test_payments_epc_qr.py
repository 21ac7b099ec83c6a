"""EPC QR code (EPC069-12 version 002) payloads and images."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
import segno
import segno.helpers
from payments.domain.epc_qr import InvalidEpcQr, build_epc_qr, make_epc_qr_payload

# The example of STANDARDS-NOTES (a): version 002 without BIC, RF reference. Our payload stops
# after the last element that is filled in (no trailing line feed).
NOTES_EXAMPLE = (
    "BCD\n002\n1\nSCT\n\nExample Company NV\nBE71096123456769\nEUR125.50\n\nRF18539007547034"
)


def test_payload_of_the_standards_notes_example() -> None:
    payload = make_epc_qr_payload(
        name="Example Company NV",
        iban="BE71 0961 2345 6769",
        amount="125.50",
        reference="RF18 5390 0754 7034",
    )
    assert payload == NOTES_EXAMPLE


def test_payload_with_bic_text_and_information() -> None:
    payload = make_epc_qr_payload(
        name="Bakkerij Peeters",
        iban="BE68539007547034",
        bic="gkccbebb",
        amount=Decimal("1"),
        text="Factuur 2026/001 – bedankt",
        information="Thank you!",
    )
    assert payload == (
        "BCD\n002\n1\nSCT\nGKCCBEBB\nBakkerij Peeters\nBE68539007547034\nEUR1.00\n\n\n"
        "Factuur 2026/001 – bedankt\nThank you!"
    )


def test_belgian_structured_communication_goes_in_the_reference_line_as_digits() -> None:
    payload = make_epc_qr_payload(
        name="Example Company NV",
        iban="BE71096123456769",
        amount="0.01",
        reference="+++010/8068/17183+++",
    )
    assert payload.split("\n")[7:] == ["EUR0.01", "", "010806817183"]


def test_payload_without_remittance_ends_after_the_amount() -> None:
    payload = make_epc_qr_payload(name="X", iban="BE71096123456769", amount="999999999.99")
    assert payload == "BCD\n002\n1\nSCT\n\nX\nBE71096123456769\nEUR999999999.99"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"amount": "12.345"}, "amount: 12.345 has more than two decimals."),
        ({"amount": "0"}, "amount: 0 is outside the allowed range 0.01 to 999999999.99."),
        (
            {"amount": "-1"},
            "amount: -1 is negative; amounts must be between 0.01 and 999999999.99.",
        ),
        ({"iban": "BE71096123456768"}, "iban: IBAN 'BE71096123456768' has wrong check digits."),
        ({"bic": "GKCC"}, "bic: BIC 'GKCC' must be 8 or 11 characters long."),
        ({"name": "N" * 71}, "name: is 71 characters long; at most 70 are allowed."),
        ({"name": " "}, "name: must not be empty."),
        ({"text": "T" * 141}, "text: is 141 characters long; at most 140 are allowed."),
        ({"text": "two\nlines"}, "text: must be on one line."),
        ({"information": "I" * 71}, "information: is 71 characters long; at most 70 are allowed."),
        (
            {"reference": "RF18539007547034", "text": "both"},
            "reference, text: give a structured reference or a text, not both.",
        ),
        (
            {"reference": "+++010/8068/17180+++"},
            "reference: structured communication '+++010/8068/17180+++' has wrong check digits: "
            "80 given, 83 expected (0108068171 mod 97).",
        ),
    ],
)
def test_bad_input_gives_its_sentence(changes: dict[str, str], problem: str) -> None:
    arguments: dict[str, str] = {"name": "X", "iban": "BE71096123456769", "amount": "1.00"}
    arguments.update(changes)
    with pytest.raises(InvalidEpcQr) as raised:
        make_epc_qr_payload(**arguments)  # type: ignore[arg-type]
    assert raised.value.problems == [problem]


def test_float_amount_is_refused() -> None:
    with pytest.raises(InvalidEpcQr, match="JSON number"):
        make_epc_qr_payload(name="X", iban="BE71096123456769", amount=12.5)  # type: ignore[arg-type]


def test_payload_is_at_most_331_bytes() -> None:
    arguments = {
        "name": "N" * 70,
        "iban": "BE71096123456769",
        "bic": "GKCCBEBBXXX",
        "amount": "999999999.99",
        "information": "I" * 70,
    }
    fitting = make_epc_qr_payload(**arguments, text="T" * 100)  # type: ignore[arg-type]
    assert len(fitting.encode("utf-8")) <= 331
    with pytest.raises(InvalidEpcQr) as raised:
        make_epc_qr_payload(**arguments, text="T" * 140)  # type: ignore[arg-type]
    assert raised.value.problems == [
        "payload: is 343 bytes in UTF-8; an EPC QR code holds at most 331."
    ]
    # Multi-byte characters count as bytes, not characters.
    with pytest.raises(InvalidEpcQr, match="bytes in UTF-8"):
        make_epc_qr_payload(**{**arguments, "name": "é" * 70}, text="é" * 50)  # type: ignore[arg-type]


def test_symbol_uses_error_correction_m_and_matches_segno_helper() -> None:
    code = build_epc_qr(
        name="Example Company NV",
        iban="BE71096123456769",
        amount="125.55",
        reference="RF18539007547034",
    )
    assert code.symbol.error == "M"
    assert code.symbol.version <= 13
    # Where segno's own helper applies the same rules (cents not ending in 0, UTF-8 asked for),
    # it makes the same payload and therefore the same symbol.
    helper = segno.helpers.make_epc_qr(
        name="Example Company NV",
        iban="BE71096123456769",
        amount=Decimal("125.55"),
        reference="RF18539007547034",
        encoding=1,
    )
    assert code.symbol.matrix == helper.matrix


def test_png_and_svg_images() -> None:
    code = build_epc_qr(
        name="Example Company NV", iban="BE71096123456769", amount="125.50", text="Invoice 7"
    )
    png = code.png(scale=4, border=4)
    svg = code.svg()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert b"<svg" in svg and svg.rstrip().endswith(b"</svg>")


def test_png_modules_are_the_symbol_of_the_payload() -> None:
    # No QR decoder is installed, so the PNG is read back with Pillow and its modules compared
    # with a symbol made independently from the payload text.
    image_module = pytest.importorskip("PIL.Image")
    code = build_epc_qr(
        name="Example Company NV",
        iban="BE71096123456769",
        amount="125.50",
        reference="RF18539007547034",
    )
    scale, border = 3, 4
    image = image_module.open(io.BytesIO(code.png(scale=scale, border=border))).convert("L")
    reference = segno.make_qr(NOTES_EXAMPLE.encode("utf-8"), error="m", boost_error=False)
    width, height = reference.symbol_size(scale=1, border=0)
    assert image.size == ((width + 2 * border) * scale, (height + 2 * border) * scale)
    read_back = tuple(
        bytearray(
            1 if image.getpixel(((border + x) * scale + 1, (border + y) * scale + 1)) < 128 else 0
            for x in range(width)
        )
        for y in range(height)
    )
    assert read_back == tuple(bytearray(1 if m else 0 for m in row) for row in reference.matrix)
