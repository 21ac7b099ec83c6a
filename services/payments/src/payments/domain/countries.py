"""ISO 3166-1 alpha-2 country codes, for the `Ctry` of postal addresses (from pycountry)."""

import pycountry

# XK (Kosovo) is a user-assigned code, not ISO 3166, but banks use it and Kosovo has IBANs.
_COUNTRY_CODES: frozenset[str] = frozenset(country.alpha_2 for country in pycountry.countries) | {
    "XK"
}


def is_country_code(code: str) -> bool:
    return code in _COUNTRY_CODES
