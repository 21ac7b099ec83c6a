"""SEPA credit transfer batches: the input model and the builder of pain.001 files.

The input is the JSON document described in `CreditTransferBatch`. Validation collects every
problem of the batch, each as one sentence with its location (`payments[3].amount: ...`), and
raises them together as `InvalidBatch`. `build_credit_transfer` turns a valid batch into the
bytes of a pain.001 file that has passed XSD validation, with its totals and SHA-256.

Everything here is pure: today's date and the creation time are parameters, nothing is read
from the clock, and nothing is written to disk. The checks of each field are in `batch_fields`
and the writing in `transfer_file`, shared with the quick path of the command-line tool.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from typing import Annotated, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    StrictBool,
    ValidationError,
)
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import ErrorDetails

from payments.domain.accounts import normalise_bic, normalise_iban
from payments.domain.batch_fields import (
    MAX_NAME_LENGTH,
    InvalidBatch,
    Problem,
    check_country,
    check_end_to_end_id,
    check_identifier,
    check_sepa_text,
    parse_amount,
    parse_currency,
    parse_date,
    parse_remittance_field,
)
from payments.domain.gc_pause import gc_paused
from payments.domain.pain001 import DebtorDetails, Transaction, format_amount
from payments.domain.remittance import InvalidRemittance, Remittance, RemittanceType
from payments.domain.sepa_text import SepaTextConverter, find_outside_sepa
from payments.domain.transfer_file import (
    BIC_PAIN_001_03,
    CONVERSION_EXAMPLES_PER_FIELD,
    BlockKey,
    ConversionListing,
    CreditTransferFile,
    PaymentInformation,
    PreparedBatch,
    ValidatorProcess,
    checked_message_id,
    derived_id,
    early_validator,
    effective_execution_date,
    new_message_id,
    strict_bic_problem,
    write_credit_transfer,
)
from payments.domain.xsd import DEFAULT_FORMAT, MessageFormat, check_format

__all__ = [
    "CONVERSION_EXAMPLES_PER_FIELD",
    "ConversionListing",
    "CreditTransferBatch",
    "CreditTransferFile",
    "CreditTransferPayment",
    "Creditor",
    "Debtor",
    "InvalidBatch",
    "PaymentInformation",
    "PostalAddress",
    "build_credit_transfer",
    "check_identifier",
    "early_validator",
    "effective_execution_date",
    "new_message_id",
    "parse_amount",
    "prepare_batch",
]


def _sepa_text(max_length: int, what: str) -> AfterValidator:
    return AfterValidator(lambda value: check_sepa_text(value, max_length, what))


PartyName = Annotated[str, _sepa_text(MAX_NAME_LENGTH, "name")]
Iban = Annotated[str, AfterValidator(normalise_iban)]
Bic = Annotated[str, AfterValidator(normalise_bic)]
Amount = Annotated[
    Decimal, PlainValidator(parse_amount), PlainSerializer(format_amount, return_type=str)
]
Currency = Annotated[str, PlainValidator(parse_currency)]
ExecutionDate = Annotated[
    date, PlainValidator(parse_date), PlainSerializer(date.isoformat, return_type=str)
]
EndToEndId = Annotated[str, AfterValidator(check_end_to_end_id)]
RemittanceField = Annotated[
    Remittance,
    PlainValidator(parse_remittance_field),
    PlainSerializer(Remittance.as_dict, return_type=dict),
]


_CONFIG: Final = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, **_CONFIG)


# The per-payment types are slotted pydantic dataclasses rather than BaseModels: a BaseModel
# instance carries a __dict__ and a fields-set set (about 1 KB together), which for 100,000
# payments tripled the memory of the batch. Validation and error locations are the same.
_frozen_model = pydantic_dataclass(frozen=True, slots=True, kw_only=True, config=_CONFIG)


@_frozen_model
class PostalAddress:
    """Structured postal address; wherever an address is given, town and country are required."""

    town: Annotated[str, _sepa_text(35, "town")]
    country: Annotated[str, AfterValidator(check_country)]
    street: Annotated[str, _sepa_text(70, "street")] | None = None
    building_number: Annotated[str, _sepa_text(16, "building number")] | None = None
    postal_code: Annotated[str, _sepa_text(16, "postal code")] | None = None


@_frozen_model
class Debtor:
    name: PartyName
    iban: Iban
    address: PostalAddress
    bic: Bic | None = None


@_frozen_model
class Creditor:
    name: PartyName
    iban: Iban
    bic: Bic | None = None
    address: PostalAddress | None = None


@_frozen_model
class CreditTransferPayment:
    creditor: Creditor
    amount: Amount
    currency: Currency
    execution_date: ExecutionDate
    remittance: RemittanceField
    end_to_end_id: EndToEndId | None = None


class CreditTransferBatch(_Model):
    """A batch of SEPA credit transfers from one debtor account.

    JSON form::

        {"debtor": {"name", "iban", "bic"?, "address": {"street"?, "building_number"?,
                    "postal_code"?, "town", "country"}},
         "batch_booking"?: true,
         "payments": [{"end_to_end_id"?, "creditor": {"name", "iban", "bic"?, "address"?},
                       "amount": "123.45", "currency": "EUR", "execution_date": "YYYY-MM-DD",
                       "remittance": {"type": "none"|"unstructured"|"structured", "value"?}}]}
    """

    debtor: Debtor
    batch_booking: StrictBool = True
    payments: Annotated[tuple[CreditTransferPayment, ...], Field(min_length=1)]

    @classmethod
    def from_json(cls, data: str | bytes) -> CreditTransferBatch:
        """Parse and validate JSON text; raise `InvalidBatch` with every problem found."""
        try:
            with gc_paused():
                return cls.model_validate_json(data)
        except ValidationError as error:
            raise InvalidBatch(problems_from_validation_error(error)) from None

    @classmethod
    def from_data(cls, data: object) -> CreditTransferBatch:
        """Validate already-decoded JSON data (dicts and lists); raise `InvalidBatch`."""
        try:
            with gc_paused():
                return cls.model_validate(data)
        except ValidationError as error:
            raise InvalidBatch(problems_from_validation_error(error)) from None


# --- problem sentences ----------------------------------------------------------------------

_MISSING_SENTENCES: Final = {
    "town": "a town is required in a postal address.",
    "country": "a country code (ISO 3166 alpha-2, such as BE) is required in a postal address.",
    "address": "a postal address with at least town and country is required.",
    "name": "a name is required.",
    "iban": "an IBAN is required.",
    "amount": 'an amount such as "123.45" is required.',
    "currency": 'the currency is required and must be "EUR".',
    "execution_date": "an execution date (YYYY-MM-DD) is required.",
    "remittance": 'remittance information is required; use {"type": "none"} for none.',
    "payments": "at least one payment is required.",
    "debtor": "the debtor (name, IBAN, address) is required.",
    "creditor": "the creditor (name, IBAN) is required.",
}

_TYPE_SENTENCES: Final = {
    "string_type": "must be a text string.",
    "bool_type": "must be true or false.",
    "model_type": "must be a JSON object.",
    "model_attributes_type": "must be a JSON object.",
    "dict_type": "must be a JSON object.",
    "tuple_type": "must be a JSON array.",
    "list_type": "must be a JSON array.",
    "extra_forbidden": "is not a known field; check its spelling.",
    "unexpected_keyword_argument": "is not a known field; check its spelling.",
    "dataclass_type": "must be a JSON object.",
    "dataclass_args_type": "must be a JSON object.",
    "string_too_short": "must not be empty.",
}


def location_text(location: tuple[int | str, ...]) -> str:
    """`('payments', 3, 'amount')` → `payments[3].amount`."""
    text = ""
    for part in location:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _sentence(error: ErrorDetails) -> str | None:
    location = error["loc"]
    kind = error["type"]
    context = error.get("ctx") or {}
    cause = context.get("error")
    if isinstance(cause, Problem | InvalidRemittance) and cause.field:
        location = (*location, cause.field)
    path = location_text(location) or "input"
    if kind == "json_invalid":
        return f"input is not valid JSON: {context.get('error', error['msg'])}."
    if kind in ("missing", "missing_keyword_argument"):
        return f"{path}: {_MISSING_SENTENCES.get(str(location[-1]), 'this field is required.')}"
    if kind == "too_short" and location and location[-1] == "payments":
        # pydantic also counts payments that failed validation as missing: only an empty
        # list is a problem of its own.
        return None if error["input"] else f"{path}: at least one payment is required."
    if isinstance(cause, ValueError):
        return f"{path}: {cause}"
    if kind in _TYPE_SENTENCES:
        return f"{path}: {_TYPE_SENTENCES[kind]}"
    message = str(error["msg"]).rstrip(".")
    return f"{path}: {message}."


def problems_from_validation_error(error: ValidationError) -> list[str]:
    sentences = (_sentence(detail) for detail in error.errors(include_url=False))
    return [sentence for sentence in sentences if sentence is not None]


# --- building the file ----------------------------------------------------------------------


def build_credit_transfer(
    batch: CreditTransferBatch,
    *,
    today: date,
    message_id: str | None = None,
    format: MessageFormat = DEFAULT_FORMAT,  # the name the service layer uses
    created_at: datetime | None = None,
    validator: ValidatorProcess | None = None,
) -> CreditTransferFile:
    """Build, XSD-validate and hash the pain.001 file of `batch`.

    - `today`: the day the file is made; earlier or same-day execution dates become this day.
    - `message_id`: MsgId (max 35, SEPA characters); a random one is made when not given.
      PmtInfIds and generated EndToEndIds are derived from it, so they are unique as well.
    - `created_at`: CreDtTm; when not given, `today` at 00:00 (the domain reads no clock).
    - `validator`: a validating child started earlier by the caller (`early_validator`); it
      is used for this file whatever its size, and ended when this returns.

    Raises `InvalidBatch` for problems only visible when writing (a BIC that pain.001.001.03
    cannot carry), `ValueError` for a bad `message_id` or `format`, and `XsdValidationError` if
    the produced bytes do not validate (a defect, since the input was validated).
    """
    try:
        check_format(format)
        message_id = checked_message_id(message_id)
        if created_at is None:
            created_at = datetime.combine(today, time())
        with gc_paused():
            prepared = prepare_batch(batch, today=today, format=format, message_id=message_id)
    except BaseException:
        if validator is not None:
            validator.close()
        raise
    return write_credit_transfer(
        prepared, message_id=message_id, format=format, created_at=created_at, validator=validator
    )


_ADDRESS_FIELDS: Final = (
    ("StrtNm", "street"),
    ("BldgNb", "building_number"),
    ("PstCd", "postal_code"),
    ("TwnNm", "town"),
)


def _address_lines(
    address: PostalAddress, path: str, converter: SepaTextConverter, index: int | None = None
) -> tuple[tuple[str, str], ...]:
    """(tag, text) of the address lines present, in schema order, texts converted."""
    lines: list[tuple[str, str]] = []
    for tag, name in _ADDRESS_FIELDS:
        value = getattr(address, name)
        if value is not None:
            lines.append((tag, converter.convert(value, f"{path}.{name}", index)))
    lines.append(("Ctry", address.country))
    return tuple(lines)


def prepare_batch(
    batch: CreditTransferBatch, *, today: date, format: str, message_id: str
) -> PreparedBatch:
    """Group a validated batch into PmtInf blocks, texts converted, ids given.

    One PmtInf per (effective execution date, batch booking). Raises `InvalidBatch` for a BIC
    that `format` cannot carry.
    """
    payments = batch.payments
    debtor = batch.debtor
    problems: list[str] = []
    strict_bic = format == "pain.001.001.03"
    if strict_bic and debtor.bic is not None and not BIC_PAIN_001_03.match(debtor.bic):
        problems.append(strict_bic_problem("debtor.bic", debtor.bic, format))
    for index, payment in enumerate(payments):
        bic = payment.creditor.bic
        if strict_bic and bic is not None and not BIC_PAIN_001_03.match(bic):
            problems.append(strict_bic_problem(f"payments[{index}].creditor.bic", bic, format))
    if problems:
        raise InvalidBatch(problems)

    converter = SepaTextConverter()
    debtor_details = DebtorDetails(
        name=converter.convert(debtor.name, "debtor.name"),
        address=_address_lines(debtor.address, "debtor.address", converter),
        iban=debtor.iban,
        bic=debtor.bic,
    )
    blocks: dict[BlockKey, list[Transaction]] = {}
    sums: dict[BlockKey, Decimal] = {}
    end_to_end_ids = [
        payment.end_to_end_id or derived_id(message_id, str(index + 1))
        for index, payment in enumerate(payments)
    ]
    batch_booking = batch.batch_booking
    for index, transaction in enumerate(_transactions(payments, end_to_end_ids, converter)):
        execution_date = payments[index].execution_date
        key = (effective_execution_date(execution_date, today), batch_booking)
        members = blocks.get(key)
        if members is None:
            members = blocks[key] = []
            sums[key] = Decimal(0)
        members.append(transaction)
        sums[key] += payments[index].amount
    return PreparedBatch(
        debtor=debtor_details,
        blocks=blocks,
        sums=sums,
        end_to_end_ids=end_to_end_ids,
        conversions=converter.records,
    )


def _transactions(
    payments: tuple[CreditTransferPayment, ...],
    end_to_end_ids: list[str],
    converter: SepaTextConverter,
) -> Iterator[Transaction]:
    """The texts of each payment, converted to the SEPA set (name, address, remittance).

    Amounts are quantised to cents by validation, so `str` gives exactly two decimals.
    """
    unstructured, structured = RemittanceType.UNSTRUCTURED, RemittanceType.STRUCTURED
    for index, payment in enumerate(payments):
        creditor = payment.creditor
        name = creditor.name
        if find_outside_sepa(name) is not None:
            name = converter.convert_changed(name, "creditor.name", index)
        address = None
        if creditor.address is not None:
            lines = _address_lines(creditor.address, "creditor.address", converter, index)
            address = (tuple(tag for tag, _ in lines), tuple(text for _, text in lines))
        remittance = payment.remittance
        text: str | None = None
        kind = issuer = ""
        if remittance.type is unstructured and remittance.text is not None:
            kind, text = "U", converter.convert(remittance.text, "remittance.value", index)
        elif remittance.type is structured and remittance.reference is not None:
            kind, issuer, text = "S", remittance.reference.issuer, remittance.reference.reference
        yield (
            end_to_end_ids[index],
            str(payment.amount),
            creditor.bic,
            name,
            address,
            creditor.iban,
            kind,
            issuer,
            text,
        )
