"""IBAN and BIC checks with schwifty, cached per distinct value.

schwifty needs roughly 10 µs per IBAN; batches pay the same suppliers again and again, so each
distinct value is checked once per process.
"""

from __future__ import annotations

from functools import lru_cache

from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors


class InvalidAccount(ValueError):
    """An IBAN or BIC that cannot be used; the message is one sentence."""


def _iban_problem(value: str, error: Exception) -> str:
    if isinstance(error, schwifty_errors.InvalidChecksumDigits):
        return f"IBAN {value!r} has wrong check digits."
    if isinstance(error, schwifty_errors.InvalidBBANChecksum):
        return f"IBAN {value!r} has a wrong national check digit in its account number."
    if isinstance(error, schwifty_errors.InvalidCountryCode):
        return f"IBAN {value!r} does not start with a known country code."
    if isinstance(error, schwifty_errors.InvalidLength):
        return f"IBAN {value!r} does not have the length of an IBAN of its country."
    if isinstance(error, schwifty_errors.InvalidStructure):
        return f"IBAN {value!r} does not have the structure of an IBAN of its country."
    return f"IBAN {value!r} is not valid ({error})."


@lru_cache(maxsize=65536)
def normalise_iban(value: str) -> str:
    """Return the IBAN in compact upper-case form, or raise `InvalidAccount`.

    Only IBANs of countries in the SEPA scheme are accepted, since the files made here are SEPA
    credit transfers.
    """
    try:
        iban = IBAN(value)
    except schwifty_errors.SchwiftyException as error:
        raise InvalidAccount(_iban_problem(value, error)) from None
    if not iban.in_sepa_zone:
        raise InvalidAccount(
            f"IBAN {value!r} belongs to country {iban.country_code}, which is not in the SEPA "
            "scheme."
        )
    return str(iban.compact)


@lru_cache(maxsize=16384)
def normalise_bic(value: str) -> str:
    """Return the BIC (8 or 11 characters) in compact upper-case form, or raise `InvalidAccount`."""
    try:
        bic = BIC(value)
    except schwifty_errors.InvalidLength:
        raise InvalidAccount(f"BIC {value!r} must be 8 or 11 characters long.") from None
    except schwifty_errors.InvalidCountryCode:
        raise InvalidAccount(
            f"BIC {value!r} does not contain a known country code in positions 5 and 6."
        ) from None
    except schwifty_errors.SchwiftyException as error:
        raise InvalidAccount(f"BIC {value!r} is not a valid BIC ({error}).") from None
    return str(bic.compact)
