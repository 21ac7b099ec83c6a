"""ISO 3166-1 alpha-2 country codes, for the `Ctry` of postal addresses (pycountry's, as
`registry_snapshot` holds them)."""

from payments.domain.registry_snapshot import ISO_3166_ALPHA_2

# XK (Kosovo) is a user-assigned code, not ISO 3166, but banks use it and Kosovo has IBANs.
_COUNTRY_CODES: frozenset[str] = ISO_3166_ALPHA_2 | {"XK"}


def is_country_code(code: str) -> bool:
    return code in _COUNTRY_CODES
