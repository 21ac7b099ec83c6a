"""The IBAN rules and country codes the quick checks use are schwifty's and pycountry's.

`payments.domain.registry_snapshot` holds them so that the command-line tool need not import
schwifty and pycountry for a well-formed batch. When a library update changes them this test
fails; regenerate the module with

    uv run python services/payments/tests/unit/test_payments_registry_snapshot.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import pycountry
from payments.domain import registry_snapshot
from schwifty import registry

_MODULE = Path(registry_snapshot.__file__)


def sepa_iban_rules() -> dict[str, tuple[int, str]]:
    rules: dict[str, tuple[int, str]] = {}
    for country in _iban_countries():
        spec = registry.get_iban_spec(country)
        if spec.in_sepa_zone:
            rules[country] = (spec.iban_length, spec.regex.pattern)
    return rules


def _iban_countries() -> list[str]:
    return sorted(registry._default_registry._get("iban"))  # type: ignore[attr-defined]


def country_codes() -> list[str]:
    return sorted(country.alpha_2 for country in pycountry.countries)


def snapshot_source() -> str:
    rules = "\n".join(
        f"    {country!r}: ({length}, {pattern!r}),"
        for country, (length, pattern) in sepa_iban_rules().items()
    )
    codes = " ".join(country_codes())
    lines = [f'    "{codes[i : i + 90].strip()} "' for i in range(0, len(codes), 90)]
    return (
        '"""Generated from schwifty and pycountry by test_payments_registry_snapshot.py: do not\n'
        "edit. IBAN rules of the countries in the SEPA scheme (IBAN length, BBAN pattern) and the\n"
        'ISO 3166 alpha-2 country codes, for the quick checks of `accounts`."""\n\n'
        "from typing import Final\n\n"
        "SEPA_IBAN_RULES: Final[dict[str, tuple[int, str]]] = {\n"
        f"{rules}\n"
        "}\n\n"
        "ISO_3166_ALPHA_2: Final = frozenset(\n    (\n" + "\n".join(lines) + "\n    ).split()\n)\n"
    )


def test_snapshot_is_the_libraries_data() -> None:
    assert sepa_iban_rules() == registry_snapshot.SEPA_IBAN_RULES
    assert frozenset(country_codes()) == registry_snapshot.ISO_3166_ALPHA_2


if __name__ == "__main__":
    _MODULE.write_text(snapshot_source(), encoding="utf-8")
    sys.exit(0)
