"""pain.001 (SEPA credit transfer initiation) writer, versions .09 and .03, built with lxml.

Every part of the document is an lxml element tree made with `SubElement`; the document is
streamed out with `lxml.etree.xmlfile`, one transaction at a time, so that a 100,000-transaction
file never exists as one libxml2 tree (about 290 MB) next to its bytes. lxml does all escaping.

Two choices made for speed, both checked by the XSD validation that follows every build:

- Transactions of the same shape (BIC or not, which address lines, which remittance) share one
  `CdtTrfTxInf` element made with `SubElement`: for each payment only its variable texts are
  set and the element is serialised at once. Creating some twenty elements per payment from
  Python, or even deep-copying a prototype and finding its leaves, costs three to four times
  as much.
- Only `Document` carries the namespace (`xmlns="urn:iso:...:pain.001.001.xx"`). The elements
  written inside it are made without a namespace, so their serialisation (`<PmtInf>` ...) takes
  the default namespace of `Document` when the file is read, exactly as a file written by hand
  would. Namespaced fragments would each repeat the declaration (about 40 bytes per transaction).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Protocol

from lxml import etree

from payments.domain.xsd import check_format, namespace_of

_SubElement = etree.SubElement

# Texts of a transaction that differ per payment. A shape's element holds exactly the ones that
# shape needs, so `iter(*_VARIABLE_TAGS)` returns them in document order, the order of `values`.
_VARIABLE_TAGS: Final = (
    "EndToEndId",
    "InstdAmt",
    "BIC",
    "BICFI",
    "Nm",
    "StrtNm",
    "BldgNb",
    "PstCd",
    "TwnNm",
    "Ctry",
    "IBAN",
    "Ustrd",
    "Ref",
)

# Shape of a transaction: (has creditor BIC, tags of the address lines present or None,
# remittance kind, issuer). Kind: "" none, "U" unstructured, "S" structured (issuer BBA or ISO).
TransactionShape = tuple[bool, tuple[str, ...] | None, str, str]


# One credit transfer, all texts already in the SEPA character set: (end-to-end id, amount,
# BIC or None, name, address as (tags, texts) of the lines present or None, IBAN, remittance
# kind, issuer, remittance text or reference or None). A flat tuple, unpacked in one step by the
# writer: this runs once per payment.
Transaction = tuple[
    str,
    str,
    str | None,
    str,
    tuple[tuple[str, ...], tuple[str, ...]] | None,
    str,
    str,
    str,
    str | None,
]


@dataclass(frozen=True, slots=True)
class PaymentBlock:
    """One PmtInf: transactions debited together on one date.

    `transactions` may be a generator: they are produced while the file is written, so that no
    per-payment objects pile up (100,000 of them would also make the garbage collector walk the
    caller's whole batch several times).
    """

    payment_information_id: str
    execution_date: date
    batch_booking: bool
    number_of_transactions: int
    control_sum: Decimal
    transactions: Iterable[Transaction]


@dataclass(frozen=True, slots=True)
class DebtorDetails:
    name: str
    address: tuple[tuple[str, str], ...]  # (tag, text) in schema order
    iban: str
    bic: str | None


def format_amount(amount: Decimal) -> str:
    return f"{amount:.2f}"


class _Prototypes:
    """One reusable transaction element per shape, with its variable leaves in document order."""

    def __init__(self, message_format: str) -> None:
        self._bic_tag = "BIC" if message_format == "pain.001.001.03" else "BICFI"
        self._by_shape: dict[TransactionShape, tuple[etree._Element, list[etree._Element]]] = {}

    def get(self, shape: TransactionShape) -> tuple[etree._Element, list[etree._Element]]:
        entry = self._by_shape.get(shape)
        if entry is None:
            element = self._make(shape)
            entry = self._by_shape[shape] = (element, list(element.iter(*_VARIABLE_TAGS)))
        return entry

    def _make(self, shape: TransactionShape) -> etree._Element:
        has_bic, address_tags, remittance_kind, issuer = shape
        transaction = etree.Element("CdtTrfTxInf")
        _SubElement(_SubElement(transaction, "PmtId"), "EndToEndId")
        _SubElement(_SubElement(transaction, "Amt"), "InstdAmt", Ccy="EUR")
        if has_bic:
            agent = _SubElement(_SubElement(transaction, "CdtrAgt"), "FinInstnId")
            _SubElement(agent, self._bic_tag)
        creditor = _SubElement(transaction, "Cdtr")
        _SubElement(creditor, "Nm")
        if address_tags is not None:
            address = _SubElement(creditor, "PstlAdr")
            for tag in address_tags:
                _SubElement(address, tag)
        _SubElement(_SubElement(_SubElement(transaction, "CdtrAcct"), "Id"), "IBAN")
        if remittance_kind == "U":
            _SubElement(_SubElement(transaction, "RmtInf"), "Ustrd")
        elif remittance_kind == "S":
            reference = _SubElement(
                _SubElement(_SubElement(transaction, "RmtInf"), "Strd"), "CdtrRefInf"
            )
            reference_type = _SubElement(reference, "Tp")
            _SubElement(_SubElement(reference_type, "CdOrPrtry"), "Cd").text = "SCOR"
            _SubElement(reference_type, "Issr").text = issuer
            _SubElement(reference, "Ref")
        return transaction


def _text_element(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = _SubElement(parent, tag)
    element.text = text
    return element


def _group_header(
    message_id: str,
    created_at: datetime,
    number_of_transactions: int,
    control_sum: Decimal,
    initiating_party: str,
) -> etree._Element:
    header = etree.Element("GrpHdr")
    _text_element(header, "MsgId", message_id)
    _text_element(header, "CreDtTm", created_at.isoformat(timespec="seconds"))
    _text_element(header, "NbOfTxs", str(number_of_transactions))
    _text_element(header, "CtrlSum", format_amount(control_sum))
    _text_element(_SubElement(header, "InitgPty"), "Nm", initiating_party)
    return header


def _block_header(
    block: PaymentBlock, debtor: DebtorDetails, message_format: str
) -> list[etree._Element]:
    """The PmtInf children that come before the transactions."""
    holder = etree.Element("PmtInf")
    _text_element(holder, "PmtInfId", block.payment_information_id)
    _text_element(holder, "PmtMtd", "TRF")
    _text_element(holder, "BtchBookg", "true" if block.batch_booking else "false")
    _text_element(holder, "NbOfTxs", str(block.number_of_transactions))
    _text_element(holder, "CtrlSum", format_amount(block.control_sum))
    _text_element(_SubElement(_SubElement(holder, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    if message_format == "pain.001.001.03":
        _text_element(holder, "ReqdExctnDt", block.execution_date.isoformat())
    else:
        _text_element(_SubElement(holder, "ReqdExctnDt"), "Dt", block.execution_date.isoformat())
    party = _SubElement(holder, "Dbtr")
    _text_element(party, "Nm", debtor.name)
    if debtor.address:
        address = _SubElement(party, "PstlAdr")
        for tag, text in debtor.address:
            _text_element(address, tag, text)
    _text_element(_SubElement(_SubElement(holder, "DbtrAcct"), "Id"), "IBAN", debtor.iban)
    institution = _SubElement(_SubElement(holder, "DbtrAgt"), "FinInstnId")
    if debtor.bic is not None:
        _text_element(
            institution, "BIC" if message_format == "pain.001.001.03" else "BICFI", debtor.bic
        )
    else:
        # IBAN-only: EPC's convention for a debtor agent that is not identified.
        _text_element(_SubElement(institution, "Othr"), "Id", "NOTPROVIDED")
    _text_element(holder, "ChrgBr", "SLEV")
    return list(holder)


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


def write_pain001(
    *,
    message_format: str,
    message_id: str,
    created_at: datetime,
    number_of_transactions: int,
    control_sum: Decimal,
    debtor: DebtorDetails,
    blocks: Sequence[PaymentBlock],
) -> bytes:
    """Serialise a credit transfer initiation to bytes; the caller validates the result."""
    output = io.BytesIO()
    stream_pain001(
        output,
        message_format=message_format,
        message_id=message_id,
        created_at=created_at,
        number_of_transactions=number_of_transactions,
        control_sum=control_sum,
        debtor=debtor,
        blocks=blocks,
    )
    return output.getvalue()


def stream_pain001(
    output: Sink,
    *,
    message_format: str,
    message_id: str,
    created_at: datetime,
    number_of_transactions: int,
    control_sum: Decimal,
    debtor: DebtorDetails,
    blocks: Sequence[PaymentBlock],
) -> None:
    """Serialise a credit transfer initiation to `output`, in pieces of about 4 KB."""
    check_format(message_format)
    namespace = namespace_of(message_format)
    prototypes = _Prototypes(message_format)
    with etree.xmlfile(output, encoding="UTF-8") as xml_file:
        xml_file.write_declaration()
        with (
            xml_file.element(f"{{{namespace}}}Document", nsmap={None: namespace}),
            xml_file.element(f"{{{namespace}}}CstmrCdtTrfInitn"),
        ):
            xml_file.write(
                _group_header(
                    message_id, created_at, number_of_transactions, control_sum, debtor.name
                )
            )
            write = xml_file.write
            get_prototype = prototypes.get
            for block in blocks:
                with xml_file.element(f"{{{namespace}}}PmtInf"):
                    write(*_block_header(block, debtor, message_format))
                    # Once per payment: set the texts of the shared element of the payment's
                    # shape in document order and serialise it at once (the next payment of
                    # that shape overwrites them).
                    for (
                        end_to_end_id,
                        amount,
                        bic,
                        name,
                        address,
                        iban,
                        kind,
                        issuer,
                        remittance,
                    ) in block.transactions:
                        element, leaves = get_prototype(
                            (bic is not None, None if address is None else address[0], kind, issuer)
                        )
                        next_leaf = iter(leaves).__next__
                        next_leaf().text = end_to_end_id
                        next_leaf().text = amount
                        if bic is not None:
                            next_leaf().text = bic
                        next_leaf().text = name
                        if address is not None:
                            for text in address[1]:
                                next_leaf().text = text
                        next_leaf().text = iban
                        if remittance is not None:
                            next_leaf().text = remittance
                        write(element)
