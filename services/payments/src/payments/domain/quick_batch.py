"""The quick path from a decoded JSON batch to a `PreparedBatch`, without pydantic.

The command-line tool reads batches of up to 100,000 payments, nearly all of them well formed.
Validating those with the pydantic model (`credit_transfer.CreditTransferBatch`) cost a third
of a whole run, and loading pydantic and building the model another quarter of a second.
`quick_prepare` checks the batch with the same field functions (`batch_fields`, `accounts`)
and shapes, and gives up (None) at the first thing it does not vouch for: an unknown or
missing field, a value of another type, a text with spaces to strip, anything a field
function refuses. The caller then validates with the model, which words every problem; so the
quick path can make a batch go through faster, never go through differently (checked by
hypothesis tests against the model).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, Final

from payments.domain.accounts import normalise_bic, quick_sepa_iban
from payments.domain.batch_fields import (
    MAX_NAME_LENGTH,
    check_country,
    check_identifier,
    check_sepa_text,
    parse_amount,
    parse_date,
    parse_remittance_field,
    plain_amount,
    plain_unstructured_text,
)
from payments.domain.pain001 import DebtorDetails, Transaction
from payments.domain.remittance import RemittanceType
from payments.domain.sepa_text import SepaTextConverter, find_outside_sepa
from payments.domain.transfer_file import (
    BIC_PAIN_001_03,
    BlockKey,
    PreparedBatch,
    derived_id,
)

_BATCH_KEYS: Final = frozenset(("debtor", "batch_booking", "payments"))
_PARTY_KEYS: Final = frozenset(("name", "iban", "bic", "address"))
_PAYMENT_KEYS: Final = frozenset(
    ("end_to_end_id", "creditor", "amount", "currency", "execution_date", "remittance")
)
_ADDRESS_KEYS: Final = frozenset(("street", "building_number", "postal_code", "town", "country"))
# (input field, tag, length limit, what) of the address lines, in schema order.
_ADDRESS_LINES: Final = (
    ("street", "StrtNm", 70, "street"),
    ("building_number", "BldgNb", 16, "building number"),
    ("postal_code", "PstCd", 16, "postal code"),
    ("town", "TwnNm", 35, "town"),
)


class _NotQuick(Exception):
    """Something the quick path does not vouch for: the model decides."""


def quick_prepare(
    data: object, *, today: date, format: str, message_id: str
) -> PreparedBatch | None:
    """The prepared batch of well-formed decoded JSON, or None: then validate with the model.

    The result equals `prepare_batch(CreditTransferBatch.from_data(data), ...)` with the same
    arguments.
    """
    try:
        return _prepare(data, today, format, message_id)
    # Field functions raise ValueErrors (`Problem` ...); a missing field is a KeyError.
    except (_NotQuick, ValueError, KeyError):
        return None


def _text(value: object, max_length: int, what: str) -> str:
    """A name or address line as the model takes it (whitespace stripped: only if none)."""
    if type(value) is not str:
        raise _NotQuick
    if (
        0 < len(value) <= max_length
        and find_outside_sepa(value) is None
        and value[0] != " "
        and value[-1] != " "
    ):
        return value
    if value.strip() is not value:
        raise _NotQuick
    return check_sepa_text(value, max_length, what)


def _bic(value: object, strict: bool) -> str | None:
    if value is None:
        return None
    if type(value) is not str or value.strip() is not value:
        raise _NotQuick
    bic = normalise_bic(value)
    if strict and BIC_PAIN_001_03.match(bic) is None:
        raise _NotQuick
    return bic


def _iban(value: object) -> str:
    if type(value) is not str:
        raise _NotQuick
    iban = quick_sepa_iban(value)
    if iban is None:
        raise _NotQuick
    return iban


def _address(
    value: object, path: str, converter: SepaTextConverter, index: int | None
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tags, texts) of the lines present, texts converted, country last."""
    if type(value) is not dict or not value.keys() <= _ADDRESS_KEYS:
        raise _NotQuick
    tags: list[str] = []
    texts: list[str] = []
    for key, tag, max_length, what in _ADDRESS_LINES:
        line = value.get(key)
        if line is None:
            if key == "town":
                raise _NotQuick  # required
            continue
        text = _text(line, max_length, what)
        tags.append(tag)
        texts.append(converter.convert(text, f"{path}.{key}", index))
    country = value.get("country")
    if type(country) is not str or country.strip() is not country:
        raise _NotQuick
    tags.append("Ctry")
    texts.append(check_country(country))
    return tuple(tags), tuple(texts)


def _prepare(data: object, today: date, format: str, message_id: str) -> PreparedBatch:
    if type(data) is not dict or not data.keys() <= _BATCH_KEYS:
        raise _NotQuick
    batch_booking = data.get("batch_booking", True)
    payments = data.get("payments")
    debtor = data.get("debtor")
    if type(batch_booking) is not bool or type(payments) is not list or not payments:
        raise _NotQuick
    if type(debtor) is not dict or not debtor.keys() <= _PARTY_KEYS or "address" not in debtor:
        raise _NotQuick
    strict = format == "pain.001.001.03"
    converter = SepaTextConverter()
    debtor_name = converter.convert(
        _text(debtor.get("name"), MAX_NAME_LENGTH, "name"), "debtor.name"
    )
    debtor_iban = _iban(debtor.get("iban"))
    debtor_bic = _bic(debtor.get("bic"), strict)
    tags, texts = _address(debtor["address"], "debtor.address", converter, None)
    debtor_details = DebtorDetails(
        name=debtor_name,
        address=tuple(zip(tags, texts, strict=True)),
        iban=debtor_iban,
        bic=debtor_bic,
    )

    blocks: dict[BlockKey, list[Transaction]] = {}
    cents: dict[BlockKey, int] = {}  # totals per block, in cents
    end_to_end_ids: list[str] = []
    # Once per payment: names bound to locals, the common case checked first.
    payment_keys, party_keys = _PAYMENT_KEYS, _PARTY_KEYS
    outside_sepa = find_outside_sepa
    convert = converter.convert_changed
    plain_text = plain_unstructured_text
    unstructured, structured = RemittanceType.UNSTRUCTURED, RemittanceType.STRUCTURED
    add_id = end_to_end_ids.append
    for index, payment in enumerate(payments):
        if type(payment) is not dict or not payment.keys() <= payment_keys:
            raise _NotQuick
        creditor = payment["creditor"]
        if type(creditor) is not dict or not creditor.keys() <= party_keys:
            raise _NotQuick
        name = creditor["name"]
        if (
            type(name) is not str
            or not 0 < len(name) <= MAX_NAME_LENGTH
            or outside_sepa(name) is not None
            or name[0] == " "
            or name[-1] == " "
        ):
            # The model's check: not empty and within the limit once converted.
            if type(name) is not str or name.strip() is not name:
                raise _NotQuick
            name = convert(name, "creditor.name", index)
            if not 0 < len(name) <= MAX_NAME_LENGTH:
                raise _NotQuick
        iban = _iban(creditor["iban"])
        bic = _bic(creditor.get("bic"), strict)
        address = creditor.get("address")
        if address is not None:
            address = _address(address, "creditor.address", converter, index)

        amount = plain_amount(payment["amount"])
        if amount is None:
            checked = parse_amount(payment["amount"])
            amount = (str(checked), int(checked * 100))
        if payment["currency"] != "EUR":
            raise _NotQuick
        execution_date = parse_date(payment["execution_date"])

        remittance = payment["remittance"]
        text = plain_text(remittance)
        kind = issuer = ""
        if text is not None:
            kind = "U"
        else:
            parsed = parse_remittance_field(remittance)
            if parsed.type is unstructured and parsed.text is not None:
                kind, text = "U", converter.convert(parsed.text, "remittance.value", index)
            elif parsed.type is structured and parsed.reference is not None:
                kind, issuer, text = "S", parsed.reference.issuer, parsed.reference.reference

        end_to_end_id: Any = payment.get("end_to_end_id")
        if end_to_end_id is None:
            end_to_end_id = derived_id(message_id, str(index + 1))
        elif type(end_to_end_id) is not str or end_to_end_id.strip() is not end_to_end_id:
            raise _NotQuick
        else:
            check_identifier(end_to_end_id, "end-to-end id")
        add_id(end_to_end_id)

        key = (execution_date if execution_date > today else today, batch_booking)
        members = blocks.get(key)
        if members is None:
            members = blocks[key] = []
            cents[key] = 0
        members.append((end_to_end_id, amount[0], bic, name, address, iban, kind, issuer, text))
        cents[key] += amount[1]
    return PreparedBatch(
        debtor=debtor_details,
        blocks=blocks,
        sums={key: Decimal(total).scaleb(-2) for key, total in cents.items()},
        end_to_end_ids=end_to_end_ids,
        conversions=converter.records,
    )
