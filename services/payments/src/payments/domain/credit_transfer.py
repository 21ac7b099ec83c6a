"""SEPA credit transfer batches: the input model and the builder of pain.001 files.

The input is the JSON document described in `CreditTransferBatch`. Validation collects every
problem of the batch, each as one sentence with its location (`payments[3].amount: ...`), and
raises them together as `InvalidBatch`. `build_credit_transfer` turns a valid batch into the
bytes of a pain.001 file that has passed XSD validation, with its totals and SHA-256.

Everything here is pure: today's date and the creation time are parameters, nothing is read
from the clock, and nothing is written to disk.
"""

from __future__ import annotations

import contextlib
import io
import re
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Annotated, Final, Literal

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
from payments.domain.countries import is_country_code
from payments.domain.gc_pause import gc_paused
from payments.domain.integrity import file_digest
from payments.domain.pain001 import (
    DebtorDetails,
    PaymentBlock,
    Sink,
    Transaction,
    format_amount,
    stream_pain001,
)
from payments.domain.parallel_xsd import (
    TeeSink,
    ValidatorProcess,
    parallel_validation_available,
    raise_for_verdict,
)
from payments.domain.remittance import (
    MAX_UNSTRUCTURED_LENGTH,
    InvalidRemittance,
    Remittance,
    RemittanceType,
    parse_remittance,
)
from payments.domain.sepa_text import (
    ConversionCounts,
    ConversionLog,
    SepaTextConverter,
    TextConversion,
    find_outside_sepa,
    is_sepa_text,
    surely_fits,
    to_sepa,
)
from payments.domain.xsd import DEFAULT_FORMAT, MessageFormat, check_format, validate_pain001

MIN_AMOUNT: Final = Decimal("0.01")
MAX_AMOUNT: Final = Decimal("999999999.99")
MAX_NAME_LENGTH: Final = 70  # EPC limit for debtor and creditor names (the XSD allows 140)
MAX_IDENTIFIER_LENGTH: Final = 35

_AMOUNT_TEXT = re.compile(r"^[+-]?\d+(?:\.\d+)?$")
# Amounts and ids that need no further look: checked with one match each, since these checks
# run for every payment of the batch (others take the step-by-step checks and their sentences).
_PLAIN_AMOUNT = re.compile(r"[1-9]\d{0,8}(?:\.\d{1,2})?|0\.\d{1,2}")
_PLAIN_IDENTIFIER = re.compile(
    r"[a-zA-Z0-9\-?:().,'+ ](?:[a-zA-Z0-9/\-?:().,'+ ]{0,33}[a-zA-Z0-9\-?:().,'+ ])?"
)
# Execution dates already parsed: a batch has a handful of distinct ones.
_DATES: dict[str, date] = {}
_MAX_DATES = 4096
_DATE_TEXT = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CENT = Decimal("0.01")
# pain.001.001.03 has a stricter BIC pattern than ISO 9362:2014 (and schwifty) accept.
_BIC_PAIN_001_03 = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")
# From this many payments on, the file is XSD-validated in a child process while it is written
# (see `parallel_xsd`: two cores, and libxml2's validation keeps the GIL, so a thread would not
# help). Starting the child costs about 0.05-0.1 s, so it pays from about 15,000 payments on
# (measured: 10,000 are slower, 20,000 faster); smaller batches are validated after writing.
PARALLEL_VALIDATION_MIN_PAYMENTS = 20_000
# The smallest JSON a payment can take (creditor name and IBAN, amount, currency, date,
# remittance): an input file this many times the threshold above has enough payments.
_MIN_JSON_BYTES_PER_PAYMENT = 150
# A summary lists this many conversions of each field (`payments[].creditor.name` ...) unless
# all are asked for; the counts per field and per character are always given.
CONVERSION_EXAMPLES_PER_FIELD: Final = 3
ConversionListing = Literal["examples", "full"]


class InvalidBatch(ValueError):
    """The batch cannot be turned into a payment file; `problems` has one sentence per problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        count = len(problems)
        heading = "1 problem" if count == 1 else f"{count} problems"
        super().__init__(f"{heading} in the credit transfer batch:\n" + "\n".join(problems))


class _Problem(ValueError):
    """A one-sentence problem, optionally about a sub-field of the value being validated."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


# --- field validators -----------------------------------------------------------------------


def _sepa_text(max_length: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if 0 < len(value) <= max_length and find_outside_sepa(value) is None:
            return value  # nothing to convert (most texts): the checks below would all pass
        if surely_fits(value, max_length):
            return value  # converted when the file is written
        if not value:
            raise _Problem(f"{what} must not be empty.")
        converted = to_sepa(value)
        if not converted:
            raise _Problem(f"{what} is empty after conversion to the SEPA character set.")
        if len(converted) > max_length:
            raise _Problem(
                f"{what} is {len(converted)} characters long after conversion to the SEPA "
                f"character set; at most {max_length} are allowed."
            )
        return value

    return AfterValidator(check)


def check_identifier(value: str, what: str) -> str:
    """Check an id (MsgId, EndToEndId) against the EPC rules for references."""
    if _PLAIN_IDENTIFIER.fullmatch(value) is not None and "//" not in value:
        return value  # the checks below, in one pass
    if not 1 <= len(value) <= MAX_IDENTIFIER_LENGTH:
        raise _Problem(f"{what} must be 1 to {MAX_IDENTIFIER_LENGTH} characters long.")
    if not is_sepa_text(value):
        raise _Problem(f"{what} {value!r} may only use a-z A-Z 0-9 / - ? : ( ) . , ' + and space.")
    if value.startswith("/") or value.endswith("/") or "//" in value:
        raise _Problem(f"{what} {value!r} must not start or end with '/' or contain '//'.")
    return value


def _check_end_to_end_id(value: str) -> str:
    return check_identifier(value, "end-to-end id")


def _check_country(value: str) -> str:
    code = value.upper()
    if not is_country_code(code):
        raise _Problem(f"{value!r} is not an ISO 3166 alpha-2 country code such as BE or NL.")
    return code


def parse_amount(value: object) -> Decimal:
    """Amount from a decimal string (or Decimal/int from Python); JSON floats are refused."""
    if type(value) is str and _PLAIN_AMOUNT.fullmatch(value) is not None:
        amount = Decimal(value).quantize(_CENT)
        if amount:  # 0.01 to 999999999.99 by the pattern; 0.00 gets its sentence below
            return amount
    if isinstance(value, float):
        raise _Problem(
            f'{value!r} is a JSON number; write amounts as strings such as "123.45" so that '
            "no rounding can happen."
        )
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _Problem(f'{value!r} is not an amount; write it as a string such as "123.45".')
    text = value.strip() if isinstance(value, str) else str(value)
    if isinstance(value, str) and not _AMOUNT_TEXT.match(text):
        raise _Problem(
            f'{value!r} is not an amount; use digits with a dot for decimals, such as "1234.50".'
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise _Problem(f"{value!r} is not an amount.") from None
    if not amount.is_finite():
        raise _Problem(f"{value!r} is not an amount.")
    if amount < 0:
        raise _Problem(
            f"{text} is negative; amounts must be between {MIN_AMOUNT} and {MAX_AMOUNT}."
        )
    if amount != amount.quantize(_CENT):
        raise _Problem(f"{text} has more than two decimals.")
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise _Problem(f"{text} is outside the allowed range {MIN_AMOUNT} to {MAX_AMOUNT}.")
    return amount.quantize(_CENT)


def _parse_currency(value: object) -> str:
    if value != "EUR":
        raise _Problem(f"{value!r} is not accepted; SEPA credit transfers are in EUR only.")
    return "EUR"


def _parse_date(value: object) -> date:
    if type(value) is str:
        known = _DATES.get(value)
        if known is not None:
            return known
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE_TEXT.match(value):
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if len(_DATES) < _MAX_DATES:
                _DATES[value] = parsed
            return parsed
    raise _Problem(f"{value!r} is not a date in the form YYYY-MM-DD.")


def _parse_remittance_field(value: object) -> Remittance:
    if type(value) is dict and len(value) == 2 and value.get("type") == "unstructured":
        text = value.get("value")
        # Free text already in the SEPA set, without spaces to strip and within the limit:
        # what `parse_remittance` would make of it, without its steps.
        if (
            type(text) is str
            and 0 < len(text) <= MAX_UNSTRUCTURED_LENGTH
            and text[0] != " "
            and text[-1] != " "
            and find_outside_sepa(text) is None
        ):
            return Remittance(RemittanceType.UNSTRUCTURED, text)
    if isinstance(value, Remittance):
        return value
    if not isinstance(value, Mapping):
        raise _Problem('must be an object such as {"type": "unstructured", "value": "..."}.')
    for key in value:
        if key not in ("type", "value"):
            raise _Problem("is not a known field of a remittance.", field=str(key))
    kind = value.get("type")
    if kind is None:
        raise _Problem("is required: none, unstructured or structured.", field="type")
    if not isinstance(kind, str):
        raise _Problem("must be one of none, unstructured or structured.", field="type")
    text = value.get("value")
    if text is not None and not isinstance(text, str):
        raise _Problem("must be a text string.", field="value")
    return parse_remittance(kind, text)


PartyName = Annotated[str, _sepa_text(MAX_NAME_LENGTH, "name")]
Iban = Annotated[str, AfterValidator(normalise_iban)]
Bic = Annotated[str, AfterValidator(normalise_bic)]
Amount = Annotated[
    Decimal, PlainValidator(parse_amount), PlainSerializer(format_amount, return_type=str)
]
Currency = Annotated[str, PlainValidator(_parse_currency)]
ExecutionDate = Annotated[
    date, PlainValidator(_parse_date), PlainSerializer(date.isoformat, return_type=str)
]
EndToEndId = Annotated[str, AfterValidator(_check_end_to_end_id)]
RemittanceField = Annotated[
    Remittance,
    PlainValidator(_parse_remittance_field),
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
    country: Annotated[str, AfterValidator(_check_country)]
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
    if isinstance(cause, _Problem | InvalidRemittance) and cause.field:
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


@dataclass(frozen=True, slots=True)
class PaymentInformation:
    """Summary of one PmtInf block of a built file."""

    payment_information_id: str
    execution_date: date
    batch_booking: bool
    number_of_transactions: int
    control_sum: Decimal

    def as_dict(self) -> dict[str, object]:
        return {
            "payment_information_id": self.payment_information_id,
            "execution_date": self.execution_date.isoformat(),
            "batch_booking": self.batch_booking,
            "number_of_transactions": self.number_of_transactions,
            "control_sum": format_amount(self.control_sum),
        }


@dataclass(frozen=True, slots=True)
class CreditTransferFile:
    """A validated pain.001 file and what a caller needs to show or store about it."""

    content: bytes
    message_format: str
    message_id: str
    created_at: datetime
    number_of_transactions: int
    control_sum: Decimal
    payment_information: tuple[PaymentInformation, ...]
    end_to_end_ids: tuple[str, ...]  # in the order of the batch's payments
    sha256: str
    conversion_log: ConversionLog  # every converted field, in input order

    @property
    def conversions(self) -> tuple[TextConversion, ...]:
        """Every text changed to fit the SEPA character set, in input order."""
        return self.conversion_log.conversions()

    @property
    def conversion_counts(self) -> ConversionCounts:
        return self.conversion_log.counts()

    @property
    def sha1(self) -> str:
        """SHA-1 of the bytes, for bank portals that still show that one."""
        return file_digest(self.content, "sha1")

    def summary(self, conversions: ConversionListing = "examples") -> dict[str, object]:
        """JSON-ready summary (amounts as strings).

        `conversions`: "examples" lists the first few conversions of each field (all of them in
        a small file), "full" every one; `conversion_counts` always has the totals per field and
        per replaced character. A 100,000-payment batch can have a conversion per payment.
        """
        log = self.conversion_log
        listed = (
            log.conversions()
            if conversions == "full"
            else log.examples(CONVERSION_EXAMPLES_PER_FIELD)
        )
        return {
            "message_id": self.message_id,
            "format": self.message_format,
            "created_at": self.created_at.isoformat(timespec="seconds"),
            "number_of_transactions": self.number_of_transactions,
            "control_sum": format_amount(self.control_sum),
            "payment_information": [block.as_dict() for block in self.payment_information],
            "sha256": self.sha256,
            "conversions": [conversion.as_dict() for conversion in listed],
            "conversion_counts": log.counts().as_dict(),
        }


def new_message_id() -> str:
    """32 hexadecimal characters from a random UUID: unique, and inside the SEPA character set."""
    return uuid.uuid4().hex


def effective_execution_date(requested: date, today: date) -> date:
    """A requested date of today or earlier is executed today (the day the file is made)."""
    return requested if requested > today else today


def _derived_id(base: str, suffix: str) -> str:
    """`base-suffix` cut to 35 characters by shortening the base, never the suffix."""
    room = MAX_IDENTIFIER_LENGTH - len(suffix) - 1
    return f"{base[:room].rstrip('/')}-{suffix}"


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


def _transactions(
    payments: tuple[CreditTransferPayment, ...],
    indices: list[int],
    end_to_end_ids: list[str],
    converter: SepaTextConverter,
) -> Iterator[Transaction]:
    """The texts of each payment of one block, made while the block is written.

    This loop runs once per payment of the batch: names are bound to locals and texts already
    in the SEPA set skip the converter call. Amounts are quantised to cents by validation, so
    `str` gives exactly two decimals.
    """
    convert = converter.convert_changed
    outside_sepa = find_outside_sepa
    unstructured, structured = RemittanceType.UNSTRUCTURED, RemittanceType.STRUCTURED
    for index in indices:
        payment = payments[index]
        creditor = payment.creditor
        name = creditor.name
        if outside_sepa(name) is not None:
            name = convert(name, "creditor.name", index)
        address = None
        if creditor.address is not None:
            lines = _address_lines(creditor.address, "creditor.address", converter, index)
            address = (tuple(tag for tag, _ in lines), tuple(text for _, text in lines))
        remittance = payment.remittance
        text: str | None = None
        kind = issuer = ""
        if remittance.type is unstructured and remittance.text is not None:
            kind, text = "U", remittance.text
            if outside_sepa(text) is not None:
                text = convert(text, "remittance.value", index)
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
    check_format(format)
    if message_id is None:
        message_id = new_message_id()
    check_identifier(message_id, "message id")
    if created_at is None:
        created_at = datetime.combine(today, time())
    # The validating child (large batches only) is started first: its interpreter starts while
    # the payments are grouped and totalled here.
    with gc_paused(), _validator_process(len(batch.payments), format, validator) as child:
        return _build(batch, today, message_id, format, created_at, child)


def early_validator(format: str, input_bytes: int) -> ValidatorProcess | None:
    """Start the validating child before a large input is read and checked, or None.

    For a command that reads a batch from a file: when the input is so large that the file will
    be validated in a child process anyway, starting that child first (interpreter, lxml, XSD:
    0.1 to 0.2 s) lets it get ready on the other core while the input is validated here. Pass it
    to `build_credit_transfer`, or close it if the input is refused.
    """
    if input_bytes < PARALLEL_VALIDATION_MIN_PAYMENTS * _MIN_JSON_BYTES_PER_PAYMENT:
        return None
    check_format(format)
    if not parallel_validation_available(format):
        return None
    try:
        return ValidatorProcess(format)
    except OSError:  # no child process: validated after writing
        return None


@contextlib.contextmanager
def _validator_process(
    count: int, format: str, started: ValidatorProcess | None
) -> Iterator[ValidatorProcess | None]:
    """A child process validating the file while it is written, or None (then sequential)."""
    if started is not None and started.message_format != format:
        started.close()
        started = None
    validator = started
    if (
        validator is None
        and count >= PARALLEL_VALIDATION_MIN_PAYMENTS
        and parallel_validation_available(format)
    ):
        with contextlib.suppress(OSError):  # no child process: validated after writing
            validator = ValidatorProcess(format)
    if validator is None:
        yield None
    else:
        with validator:
            yield validator


def _build(
    batch: CreditTransferBatch,
    today: date,
    message_id: str,
    format: str,
    created_at: datetime,
    validator: ValidatorProcess | None,
) -> CreditTransferFile:
    payments = batch.payments
    debtor = batch.debtor
    problems: list[str] = []
    strict_bic = format == "pain.001.001.03"
    if strict_bic and debtor.bic is not None and not _BIC_PAIN_001_03.match(debtor.bic):
        problems.append(f"debtor.bic: {debtor.bic} cannot be written in {format}.")

    # First pass: ids, groups and totals only. One PmtInf per (execution date, batch booking).
    groups: dict[tuple[date, bool], list[int]] = {}
    sums: dict[tuple[date, bool], Decimal] = {}
    end_to_end_ids: list[str] = []
    batch_booking = batch.batch_booking
    for index, payment in enumerate(payments):
        end_to_end_ids.append(payment.end_to_end_id or _derived_id(message_id, str(index + 1)))
        bic = payment.creditor.bic
        if strict_bic and bic is not None and not _BIC_PAIN_001_03.match(bic):
            problems.append(f"payments[{index}].creditor.bic: {bic} cannot be written in {format}.")
        execution_date = payment.execution_date
        # effective_execution_date(), inlined: this loop runs once per payment.
        key = (execution_date if execution_date > today else today, batch_booking)
        members = groups.get(key)
        if members is None:
            members = groups[key] = []
            sums[key] = Decimal(0)
        members.append(index)
        sums[key] += payment.amount
    if problems:
        raise InvalidBatch(problems)

    converter = SepaTextConverter()
    debtor_details = DebtorDetails(
        name=converter.convert(debtor.name, "debtor.name"),
        address=_address_lines(debtor.address, "debtor.address", converter),
        iban=debtor.iban,
        bic=debtor.bic,
    )
    blocks = [
        PaymentBlock(
            payment_information_id=_derived_id(message_id, f"B{number}"),
            execution_date=key[0],
            batch_booking=key[1],
            number_of_transactions=len(groups[key]),
            control_sum=sums[key],
            transactions=_transactions(payments, groups[key], end_to_end_ids, converter),
        )
        for number, key in enumerate(sorted(groups), start=1)
    ]
    control_sum = sum(sums.values(), Decimal(0))

    def write(output: Sink) -> None:
        stream_pain001(
            output,
            message_format=format,
            message_id=message_id,
            created_at=created_at,
            number_of_transactions=len(payments),
            control_sum=control_sum,
            debtor=debtor_details,
            blocks=blocks,
        )

    if validator is not None:
        sink = TeeSink(validator)
        write(sink)
        content, sha256 = sink.finish()
        raise_for_verdict(format, validator.verdict(), content)
    else:
        output = io.BytesIO()
        write(output)
        content = output.getvalue()
        validate_pain001(content, format)
        sha256 = file_digest(content, "sha256")
    return CreditTransferFile(
        content=content,
        message_format=format,
        message_id=message_id,
        created_at=created_at,
        number_of_transactions=len(payments),
        control_sum=control_sum,
        payment_information=tuple(
            PaymentInformation(
                payment_information_id=block.payment_information_id,
                execution_date=block.execution_date,
                batch_booking=block.batch_booking,
                number_of_transactions=block.number_of_transactions,
                control_sum=block.control_sum,
            )
            for block in blocks
        ),
        end_to_end_ids=tuple(end_to_end_ids),
        sha256=sha256,
        conversion_log=converter.log(),
    )
