"""What a detail line looks like to the model: the words of its description, its counterparty,
its amount band and VAT rate, as tokens for TF-IDF. Digits are dropped (a month, a quantity or
an invoice number says nothing about the GL account) and accents folded, so "Électricité
janvier 2025" and "electricite fevrier 2025" share their words."""

import math
import re
import unicodedata
from decimal import Decimal

_WORD = re.compile(r"[a-z]{2,}")
# Four-letter prefixes catch the variations of one word ("abonnement", "abonnementen", "abon.").
PREFIX = 4


def description_tokens(description: str | None) -> list[str]:
    if not description:
        return []
    folded = unicodedata.normalize("NFKD", description.lower())
    text = "".join(char for char in folded if not unicodedata.combining(char))
    tokens: list[str] = []
    for word in _WORD.findall(text):
        tokens.append(f"w:{word}")
        if len(word) > PREFIX:
            tokens.append(f"p:{word[:PREFIX]}")
    return tokens


def amount_band(amount: Decimal) -> int:
    """Bands that double: 0-1, 1-2, 2-4, ..., so 480 and 510 fall together or next door."""
    size = abs(amount)
    return 0 if size < 1 else int(math.log2(size)) + 1


def line_tokens(
    counterparty_number: str | None,
    description: str | None,
    amount_excl_vat: Decimal,
    vat_rate: Decimal | None,
) -> list[str]:
    tokens = description_tokens(description)
    if counterparty_number:
        tokens.append(f"cp:{counterparty_number}")
    tokens.append(f"amt:{amount_band(amount_excl_vat)}")
    if amount_excl_vat < 0:
        tokens.append("amt:negative")
    if vat_rate is not None:
        tokens.append(f"rate:{vat_rate.normalize()}")
    return tokens
