"""Pure domain code of the payments service: SEPA credit transfer files and EPC QR codes.

The names below are loaded on first use (PEP 562): the command-line tools import one module of
this package and should not pay for the others (pydantic models, QR code library).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    "InvalidAccount": "accounts",
    "normalise_bic": "accounts",
    "normalise_iban": "accounts",
    "Creditor": "credit_transfer",
    "CreditTransferBatch": "credit_transfer",
    "CreditTransferFile": "credit_transfer",
    "CreditTransferPayment": "credit_transfer",
    "Debtor": "credit_transfer",
    "InvalidBatch": "credit_transfer",
    "PaymentInformation": "credit_transfer",
    "PostalAddress": "credit_transfer",
    "build_credit_transfer": "credit_transfer",
    "effective_execution_date": "credit_transfer",
    "EpcQrCode": "epc_qr",
    "InvalidEpcQr": "epc_qr",
    "build_epc_qr": "epc_qr",
    "make_epc_qr_payload": "epc_qr",
    "file_digest": "integrity",
    "hash_tail": "integrity",
    "CreditorReference": "remittance",
    "InvalidRemittance": "remittance",
    "ReferenceScheme": "remittance",
    "Remittance": "remittance",
    "RemittanceType": "remittance",
    "parse_creditor_reference": "remittance",
    "parse_remittance": "remittance",
    "TextConversion": "sepa_text",
    "convert_to_sepa": "sepa_text",
    "to_sepa": "sepa_text",
    "SUPPORTED_FORMATS": "xsd",
    "MessageFormat": "xsd",
    "XsdValidationError": "xsd",
    "validate_pain001": "xsd",
}

__all__ = [
    "SUPPORTED_FORMATS",
    "CreditTransferBatch",
    "CreditTransferFile",
    "CreditTransferPayment",
    "Creditor",
    "CreditorReference",
    "Debtor",
    "EpcQrCode",
    "InvalidAccount",
    "InvalidBatch",
    "InvalidEpcQr",
    "InvalidRemittance",
    "MessageFormat",
    "PaymentInformation",
    "PostalAddress",
    "ReferenceScheme",
    "Remittance",
    "RemittanceType",
    "TextConversion",
    "XsdValidationError",
    "build_credit_transfer",
    "build_epc_qr",
    "convert_to_sepa",
    "effective_execution_date",
    "file_digest",
    "hash_tail",
    "make_epc_qr_payload",
    "normalise_bic",
    "normalise_iban",
    "parse_creditor_reference",
    "parse_remittance",
    "to_sepa",
    "validate_pain001",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from payments.domain.accounts import InvalidAccount, normalise_bic, normalise_iban
    from payments.domain.credit_transfer import (
        Creditor,
        CreditTransferBatch,
        CreditTransferFile,
        CreditTransferPayment,
        Debtor,
        InvalidBatch,
        PaymentInformation,
        PostalAddress,
        build_credit_transfer,
        effective_execution_date,
    )
    from payments.domain.epc_qr import EpcQrCode, InvalidEpcQr, build_epc_qr, make_epc_qr_payload
    from payments.domain.integrity import file_digest, hash_tail
    from payments.domain.remittance import (
        CreditorReference,
        InvalidRemittance,
        ReferenceScheme,
        Remittance,
        RemittanceType,
        parse_creditor_reference,
        parse_remittance,
    )
    from payments.domain.sepa_text import TextConversion, convert_to_sepa, to_sepa
    from payments.domain.xsd import (
        SUPPORTED_FORMATS,
        MessageFormat,
        XsdValidationError,
        validate_pain001,
    )
