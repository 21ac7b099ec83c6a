"""Remittance information of a credit transfer: none, free text, or a creditor reference.

Structured references are the Belgian OGM/VCS ("gestructureerde mededeling",
`+++123/4567/89012+++`) and the international ISO 11649 RF reference. Both are checked with
python-stdnum so that a typo is refused here instead of by the bank days later (imported when
first needed: valid Belgian references are checked without it, see `parse_ogm`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from payments.domain.sepa_text import to_sepa

MAX_UNSTRUCTURED_LENGTH = 140
MAX_REFERENCE_LENGTH = 35

# +++123/4567/89012+++ or ***123/4567/89012*** (spaces tolerated around the groups), or the
# three groups without the frame.
_OGM_DISPLAY = re.compile(
    r"^(?:(\+{3}|\*{3})\s*)?(\d{3})\s*/\s*(\d{4})\s*/\s*(\d{5})\s*(\+{3}|\*{3})?$"
)
_OGM_DIGITS = re.compile(r"^\d{12}$")
_RF_COMPACT = re.compile(r"^RF\d{2}[A-Z0-9]{1,21}$")


class InvalidRemittance(ValueError):
    """Remittance information that cannot be sent; the message is one sentence."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        # Sub-field of the remittance object the problem is about ("type" or "value"), if any.
        self.field = field


class RemittanceType(StrEnum):
    NONE = "none"
    UNSTRUCTURED = "unstructured"
    STRUCTURED = "structured"


class ReferenceScheme(StrEnum):
    BE_OGM = "be-ogm"
    ISO11649 = "iso11649"


@dataclass(frozen=True, slots=True)
class CreditorReference:
    """A checked structured reference in the form it travels in (`Ref` of pain.001)."""

    scheme: ReferenceScheme
    reference: str  # OGM: the 12 digits; RF: compact upper-case form

    @property
    def issuer(self) -> str:
        """Value of `CdtrRefInf/Tp/Issr`: BBA for the Belgian OGM, ISO for ISO 11649."""
        return "BBA" if self.scheme is ReferenceScheme.BE_OGM else "ISO"

    @property
    def display(self) -> str:
        """Printed form: `+++010/8068/17183+++` or `RF18 5390 0754 7034`."""
        from stdnum import iso11649
        from stdnum.be import ogm_vcs

        if self.scheme is ReferenceScheme.BE_OGM:
            return f"+++{ogm_vcs.format(self.reference)}+++"
        return iso11649.format(self.reference)


@dataclass(frozen=True, slots=True)
class Remittance:
    type: RemittanceType
    text: str | None = None  # unstructured text as given; converted to SEPA characters on output
    reference: CreditorReference | None = None

    @classmethod
    def none(cls) -> Remittance:
        return cls(RemittanceType.NONE)

    def as_dict(self) -> dict[str, str]:
        if self.type is RemittanceType.UNSTRUCTURED and self.text is not None:
            return {"type": self.type.value, "value": self.text}
        if self.type is RemittanceType.STRUCTURED and self.reference is not None:
            return {"type": self.type.value, "value": self.reference.reference}
        return {"type": self.type.value}


def parse_ogm(value: str) -> str:
    """Return the 12 digits of a Belgian structured communication after checking them.

    Accepts `+++123/4567/89012+++`, `***123/4567/89012***`, `123/4567/89012` and the bare
    12 digits.
    """
    text = value.strip()
    display = _OGM_DISPLAY.match(text)
    if display is not None:
        opening, first, second, third, closing = display.groups()
        if opening != closing:
            raise InvalidRemittance(
                f"structured communication {value!r} must have the same +++ or *** on both "
                "sides of the digits.",
                field="value",
            )
        digits = first + second + third
    elif _OGM_DIGITS.match(text):
        digits = text
    else:
        raise InvalidRemittance(
            f"{value!r} is neither a Belgian structured communication (+++123/4567/89012+++ "
            "or 12 digits) nor an ISO 11649 reference (RF followed by check digits).",
            field="value",
        )
    # python-stdnum's check (not all zeros; the last two digits are the first ten mod 97, 97
    # for 0), written out: this runs for every structured payment of a batch.
    if int(digits) > 0 and int(digits[10:]) == (int(digits[:10]) % 97 or 97):
        return digits
    from stdnum.be import ogm_vcs
    from stdnum.exceptions import ValidationError as StdnumValidationError

    try:
        return ogm_vcs.validate(digits)
    except StdnumValidationError:
        if int(digits) == 0:
            raise InvalidRemittance(
                f"structured communication {value!r} cannot be all zeros.", field="value"
            ) from None
        expected = ogm_vcs.calc_check_digits(digits[:10])
        raise InvalidRemittance(
            f"structured communication {value!r} has wrong check digits: {digits[10:]} given, "
            f"{expected} expected ({digits[:10]} mod 97).",
            field="value",
        ) from None


def parse_rf(value: str) -> str:
    """Return an ISO 11649 creditor reference in compact upper-case form after checking it."""
    from stdnum import iso11649
    from stdnum.exceptions import ValidationError as StdnumValidationError

    compact = iso11649.compact(value)
    if not _RF_COMPACT.match(compact):
        raise InvalidRemittance(
            f"RF reference {value!r} must be RF, two check digits and 1 to 21 letters or digits.",
            field="value",
        )
    try:
        return iso11649.validate(compact)
    except StdnumValidationError:
        raise InvalidRemittance(
            f"RF reference {value!r} has wrong check digits (ISO 11649 mod 97 check fails).",
            field="value",
        ) from None


def parse_creditor_reference(value: str) -> CreditorReference:
    """Recognise and check an RF reference or a Belgian OGM/VCS."""
    if value.strip().upper().startswith("RF"):
        return CreditorReference(ReferenceScheme.ISO11649, parse_rf(value))
    return CreditorReference(ReferenceScheme.BE_OGM, parse_ogm(value))


def check_unstructured_text(text: str) -> str:
    """Check free remittance text against the EPC limit (140 characters after conversion)."""
    stripped = text.strip()
    converted = to_sepa(stripped)
    if not converted:
        raise InvalidRemittance(
            "unstructured remittance text is empty after conversion to the SEPA character set.",
            field="value",
        )
    if len(converted) > MAX_UNSTRUCTURED_LENGTH:
        raise InvalidRemittance(
            f"unstructured remittance is {len(converted)} characters long after conversion to "
            f"the SEPA character set; at most {MAX_UNSTRUCTURED_LENGTH} are allowed.",
            field="value",
        )
    return stripped


def parse_remittance(type_: str, value: str | None) -> Remittance:
    """Build a `Remittance` from the `{"type", "value"}` pair of the input format."""
    try:
        kind = RemittanceType(type_)
    except ValueError:
        raise InvalidRemittance(
            f"remittance type {type_!r} is not one of none, unstructured or structured.",
            field="type",
        ) from None
    if kind is RemittanceType.NONE:
        if value not in (None, ""):
            raise InvalidRemittance("remittance of type none must not have a value.", field="value")
        return Remittance.none()
    if value is None or not value.strip():
        raise InvalidRemittance(f"remittance of type {kind.value} needs a value.", field="value")
    if kind is RemittanceType.UNSTRUCTURED:
        return Remittance(kind, text=check_unstructured_text(value))
    return Remittance(kind, reference=parse_creditor_reference(value))
