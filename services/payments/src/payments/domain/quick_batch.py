"""The quick path from a decoded JSON batch to a file's payments, without pydantic.

The command-line tool reads batches of up to 100,000 payments, nearly all of them well formed.
Validating those with the pydantic model (`credit_transfer.CreditTransferBatch`) cost a third
of a whole run, and loading pydantic and building the model another quarter of a second.
`quick_prepare` checks the batch with the same field functions (`batch_fields`, `accounts`)
and shapes, and gives up (None) at the first thing it does not vouch for: an unknown or
missing field, a value of another type, a text with spaces to strip, anything a field
function refuses. The caller then validates with the model, which words every problem; so the
quick path can make a batch go through faster, never go through differently (checked by
hypothesis tests against the model).

`quick_outline` checks what the file's headers need (the debtor, each payment's amount, currency
and date) and gives a `QuickBatch`, whose payments are checked block by block while the file is
written: the command writes, and a child process validates, while the batch is still being
checked. `quick_prepare` checks everything at once and gives a `PreparedBatch`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from typing import Any, Final, cast

from payments.domain.accounts import normalise_bic, quick_sepa_iban
from payments.domain.batch_fields import (
    MAX_NAME_LENGTH,
    PLAIN_IDENTIFIER,
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
from payments.domain.sepa_text import ConversionRecord, SepaTextConverter, find_outside_sepa
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


class QuickPathGaveUp(Exception):
    """A payment of a `QuickBatch` the quick path does not vouch for, met while writing.

    The file being written is dropped and the batch validated with the model.
    """


@dataclass(slots=True)
class QuickBatch:
    """A batch whose headers are checked and known, its payments checked as they are written.

    `quick_outline` checks the debtor and each payment's amount, currency and execution date:
    what the group and PmtInf headers need (numbers of transactions, control sums). The other
    fields of a payment (creditor, IBAN, BIC, remittance, end-to-end id) are checked when
    `transactions` gives the block's transactions, so that the file can be written, and
    validated in a child process, while they are checked; `transactions` raises
    `QuickPathGaveUp` at the first payment the quick path does not vouch for. `end_to_end_ids`
    and `conversions` are complete once every block has been read.
    """

    debtor: DebtorDetails
    members: dict[BlockKey, list[int]]  # indexes of the block's payments, in input order
    sums: dict[BlockKey, Decimal]
    payments: list[Any]
    amounts: list[str]  # with two decimals, by payment index
    strict_bic: bool
    message_id: str
    converter: SepaTextConverter
    ids: list[str | None]  # end-to-end ids by payment index, None until checked

    def block_sizes(self) -> dict[BlockKey, int]:
        return {key: len(indexes) for key, indexes in self.members.items()}

    @property
    def end_to_end_ids(self) -> list[str]:
        if None in self.ids:
            raise RuntimeError("end-to-end ids are known once every block has been read")
        return cast(list[str], self.ids)  # no None left

    @property
    def conversions(self) -> list[ConversionRecord]:
        return self.converter.records

    def transactions(self, key: BlockKey) -> Iterator[Transaction]:
        """The checked transactions of one block, in input order; raises `QuickPathGaveUp`."""
        try:
            yield from self._checked(self.members[key])
        except (_NotQuick, ValueError, KeyError):
            raise QuickPathGaveUp from None

    def prepared(self) -> PreparedBatch:
        """Every block checked and kept (raises `QuickPathGaveUp`), conversions in input order."""
        blocks = {key: list(self.transactions(key)) for key in self.members}
        return PreparedBatch(
            debtor=self.debtor,
            blocks=blocks,
            sums=self.sums,
            end_to_end_ids=list(self.end_to_end_ids),
            # Block by block, then in input order: fields outside the payments (-1) first.
            conversions=sorted(self.converter.records, key=itemgetter(0)),
        )

    def _checked(self, indexes: list[int]) -> Iterator[Transaction]:
        # Once per payment: names bound to locals, the common case checked first.
        payments, amounts, ids = self.payments, self.amounts, self.ids
        strict, message_id, party_keys = self.strict_bic, self.message_id, _PARTY_KEYS
        converter = self.converter
        outside_sepa, quick_iban, plain_identifier = (
            find_outside_sepa,
            quick_sepa_iban,
            PLAIN_IDENTIFIER.fullmatch,
        )
        bics: dict[str, str | None] = {}
        convert = converter.convert_changed
        plain_text = plain_unstructured_text
        unstructured, structured = RemittanceType.UNSTRUCTURED, RemittanceType.STRUCTURED
        for index in indexes:
            payment = payments[index]
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
            iban = creditor["iban"]
            iban = quick_iban(iban) if type(iban) is str else None
            if iban is None:
                raise _NotQuick
            bic = creditor.get("bic")
            if bic is not None:
                if type(bic) is not str:
                    raise _NotQuick
                # A batch has a few distinct BICs: each is checked once.
                checked_bic = bics.get(bic)
                if checked_bic is None:
                    checked_bic = bics[bic] = _bic(bic, strict)
                bic = checked_bic
            address = creditor.get("address")
            if address is not None:
                address = _address(address, "creditor.address", converter, index)

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
            elif plain_identifier(end_to_end_id) is None or "//" in end_to_end_id:
                check_identifier(end_to_end_id, "end-to-end id")
            ids[index] = end_to_end_id
            yield (end_to_end_id, amounts[index], bic, name, address, iban, kind, issuer, text)


def quick_outline(data: object, *, today: date, format: str, message_id: str) -> QuickBatch | None:
    """The batch with its headers checked (see `QuickBatch`), or None: validate with the model."""
    try:
        return _outline(data, today, format, message_id)
    # Field functions raise ValueErrors (`Problem` ...); a missing field is a KeyError.
    except (_NotQuick, ValueError, KeyError):
        return None


def quick_prepare(
    data: object, *, today: date, format: str, message_id: str
) -> PreparedBatch | None:
    """The prepared batch of well-formed decoded JSON, or None: then validate with the model.

    The result equals `prepare_batch(CreditTransferBatch.from_data(data), ...)` with the same
    arguments.
    """
    batch = quick_outline(data, today=today, format=format, message_id=message_id)
    if batch is None:
        return None
    try:
        return batch.prepared()
    except QuickPathGaveUp:
        return None


def _outline(data: object, today: date, format: str, message_id: str) -> QuickBatch:
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

    # What the headers need, for every payment: its block and amount.
    members: dict[BlockKey, list[int]] = {}
    cents: dict[BlockKey, int] = {}  # totals per block, in cents
    amounts: list[str] = []
    add_amount = amounts.append
    payment_keys = _PAYMENT_KEYS
    for index, payment in enumerate(payments):
        if type(payment) is not dict or not payment.keys() <= payment_keys:
            raise _NotQuick
        amount = plain_amount(payment["amount"])
        if amount is None:
            checked = parse_amount(payment["amount"])
            amount = (str(checked), int(checked * 100))
        if payment["currency"] != "EUR":
            raise _NotQuick
        execution_date = parse_date(payment["execution_date"])
        key = (execution_date if execution_date > today else today, batch_booking)
        indexes = members.get(key)
        if indexes is None:
            indexes = members[key] = []
            cents[key] = 0
        indexes.append(index)
        add_amount(amount[0])
        cents[key] += amount[1]
    return QuickBatch(
        debtor=debtor_details,
        members=members,
        sums={key: Decimal(total).scaleb(-2) for key, total in cents.items()},
        payments=payments,
        amounts=amounts,
        strict_bic=strict,
        message_id=message_id,
        converter=converter,
        ids=[None] * len(payments),
    )
