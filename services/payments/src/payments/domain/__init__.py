"""Pure domain code of the payments service: SEPA credit transfer files and EPC QR codes."""

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
