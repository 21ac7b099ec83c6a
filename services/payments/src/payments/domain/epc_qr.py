"""EPC QR code ("GiroCode", EPC069-12) for a SEPA credit transfer.

The payload is made here rather than by `segno.helpers.make_epc_qr`, which does not fit our
rules: it has no beneficiary-to-originator information line, demands a text or a reference,
picks ISO 8859-x instead of UTF-8 unless told, and silently rounds amounts with more than two
decimals (and accepts floats). segno is used for the symbol itself with the same settings as
its helper: error correction M without boosting, version at most 13 (EPC limit).

Payload (one element per line, LF separated, unused elements left empty, nothing after the last
element that is filled in): BCD / 002 / 1 (UTF-8) / SCT / BIC (optional in 002) / name (max 70)
/ IBAN / EUR amount / purpose (left empty) / structured reference (RF, or the 12 digits of a
Belgian OGM) or unstructured text (max 140), not both / information (max 70). At most 331 bytes.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

import segno

from payments.domain.accounts import InvalidAccount, normalise_bic, normalise_iban
from payments.domain.credit_transfer import parse_amount
from payments.domain.remittance import InvalidRemittance, parse_creditor_reference

MAX_PAYLOAD_BYTES: Final = 331
MAX_QR_VERSION: Final = 13
MAX_NAME_LENGTH: Final = 70
MAX_TEXT_LENGTH: Final = 140
MAX_INFORMATION_LENGTH: Final = 70


class InvalidEpcQr(ValueError):
    """Input that cannot become an EPC QR code; `problems` has one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(" ".join(problems))


@dataclass(frozen=True, slots=True)
class EpcQrCode:
    payload: str
    symbol: segno.QRCode

    @property
    def payload_bytes(self) -> bytes:
        return self.payload.encode("utf-8")

    def png(self, *, scale: int = 8, border: int = 4) -> bytes:
        output = io.BytesIO()
        self.symbol.save(output, kind="png", scale=scale, border=border)
        return output.getvalue()

    def svg(self, *, scale: int = 8, border: int = 4) -> bytes:
        output = io.BytesIO()
        self.symbol.save(output, kind="svg", scale=scale, border=border)
        return output.getvalue()


def _check_line(value: str, what: str, max_length: int, problems: list[str]) -> str:
    text = value.strip()
    if "\n" in text or "\r" in text:
        problems.append(f"{what}: must be on one line.")
    elif not text:
        problems.append(f"{what}: must not be empty.")
    elif len(text) > max_length:
        problems.append(
            f"{what}: is {len(text)} characters long; at most {max_length} are allowed."
        )
    return text


def make_epc_qr_payload(
    *,
    name: str,
    iban: str,
    amount: Decimal | str | None,
    bic: str | None = None,
    reference: str | None = None,
    text: str | None = None,
    information: str | None = None,
) -> str:
    """Return the EPC069-12 version 002 payload; raise `InvalidEpcQr` listing every problem.

    `reference` is an ISO 11649 RF reference or a Belgian OGM (any accepted form, written as its
    12 digits); `text` is free remittance text. At most one of the two may be given.
    """
    problems: list[str] = []
    name = _check_line(name, "name", MAX_NAME_LENGTH, problems)
    try:
        iban = normalise_iban(iban)
    except InvalidAccount as error:
        problems.append(f"iban: {error}")
    bic_line = ""
    if bic is not None and bic.strip():
        try:
            bic_line = normalise_bic(bic)
        except InvalidAccount as error:
            problems.append(f"bic: {error}")
    amount_line = ""
    if amount is not None:
        try:
            amount_line = f"EUR{parse_amount(amount):.2f}"
        except ValueError as error:
            problems.append(f"amount: {error}")
    if reference is not None and text is not None:
        problems.append("reference, text: give a structured reference or a text, not both.")
    reference_line = ""
    if reference is not None:
        try:
            reference_line = parse_creditor_reference(reference).reference
        except InvalidRemittance as error:
            problems.append(f"reference: {error}")
    text_line = "" if text is None else _check_line(text, "text", MAX_TEXT_LENGTH, problems)
    information_line = (
        ""
        if information is None
        else _check_line(information, "information", MAX_INFORMATION_LENGTH, problems)
    )
    if problems:
        raise InvalidEpcQr(problems)

    lines = [
        "BCD",
        "002",
        "1",
        "SCT",
        bic_line,
        name,
        iban,
        amount_line,
        "",  # purpose code: not used
        reference_line,
        text_line,
        information_line,
    ]
    while not lines[-1]:
        lines.pop()
    payload = "\n".join(lines)
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidEpcQr(
            [f"payload: is {size} bytes in UTF-8; an EPC QR code holds at most 331."]
        )
    return payload


def build_epc_qr(
    *,
    name: str,
    iban: str,
    amount: Decimal | str | None,
    bic: str | None = None,
    reference: str | None = None,
    text: str | None = None,
    information: str | None = None,
) -> EpcQrCode:
    """Payload and QR symbol (error correction M, version ≤ 13)."""
    payload = make_epc_qr_payload(
        name=name,
        iban=iban,
        amount=amount,
        bic=bic,
        reference=reference,
        text=text,
        information=information,
    )
    symbol = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False)
    if symbol.version > MAX_QR_VERSION:  # cannot happen within 331 bytes; kept as a guard
        raise InvalidEpcQr([f"the QR code would need version {symbol.version}; EPC allows 13."])
    return EpcQrCode(payload, symbol)
