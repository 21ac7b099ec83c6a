"""Pure recognition domain code: reading structured invoice formats into `InvoiceData`."""

from recognition.domain.ubl import (
    DEFAULT_MAX_UBL_BYTES,
    DocumentTooLarge,
    MalformedXml,
    NotUbl,
    UblError,
    UnsafeXml,
    looks_like_ubl,
    normalise_payment_reference,
    parse_ubl,
)

__all__ = [
    "DEFAULT_MAX_UBL_BYTES",
    "DocumentTooLarge",
    "MalformedXml",
    "NotUbl",
    "UblError",
    "UnsafeXml",
    "looks_like_ubl",
    "normalise_payment_reference",
    "parse_ubl",
]
