"""pain.001 (SEPA credit transfer initiation) writer, versions .09 and .03.

The headers (group header, the start of each PmtInf) are lxml elements, so lxml escapes them.
The transactions, 100,000 in a large file, are written from one text template per shape of
transaction (BIC or not, address lines, remittance kind): making and serialising lxml elements
per payment took most of the writing time. Their texts need no escaping: they are in the SEPA
character set (`a-z A-Z 0-9 / - ? : ( ) . , ' +` and space: names and texts are converted,
ids, IBANs, BICs and amounts are checked to be), which has no `&`, `<` or `>`; and every file
is XSD-validated after writing, so a text that broke this would fail that validation.

Only `Document` carries the namespace (`xmlns="urn:iso:...:pain.001.001.xx"`): the elements
inside take it as the default namespace, exactly as a file written by hand would.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import islice
from typing import Final

from lxml import etree

from payments.domain.xsd import check_format, namespace_of

_SubElement = etree.SubElement
# Transactions per piece of `pain001_pieces`: about 350 KB.
PIECE_TRANSACTIONS: Final = 1000

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
    """One PmtInf: transactions debited together on one date."""

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


def _address_xml(address: tuple[tuple[str, ...], tuple[str, ...]]) -> str:
    tags, texts = address
    lines = "".join(f"<{tag}>{text}</{tag}>" for tag, text in zip(tags, texts, strict=True))
    return f"<PstlAdr>{lines}</PstlAdr>"


def _transactions_xml(transactions: Iterable[Transaction], bic_tag: str) -> list[str]:
    """The `CdtTrfTxInf` elements of one block, one string each (see the module's docstring).

    This loop runs once per payment: one f-string for the common parts, the optional parts
    only when present.
    """
    pieces: list[str] = []
    append = pieces.append
    agent_open = f"<CdtrAgt><FinInstnId><{bic_tag}>"
    agent_close = f"</{bic_tag}></FinInstnId></CdtrAgt>"
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
    ) in transactions:
        agent = "" if bic is None else f"{agent_open}{bic}{agent_close}"
        postal = "" if address is None else _address_xml(address)
        if kind == "U":
            information = f"<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>"
        elif kind == "S":
            information = (
                "<RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry>"
                f"<Issr>{issuer}</Issr></Tp><Ref>{remittance}</Ref></CdtrRefInf></Strd></RmtInf>"
            )
        else:
            information = ""
        append(
            f"<CdtTrfTxInf><PmtId><EndToEndId>{end_to_end_id}</EndToEndId></PmtId>"
            f'<Amt><InstdAmt Ccy="EUR">{amount}</InstdAmt></Amt>{agent}'
            f"<Cdtr><Nm>{name}</Nm>{postal}</Cdtr>"
            f"<CdtrAcct><Id><IBAN>{iban}</IBAN></Id></CdtrAcct>{information}</CdtTrfTxInf>"
        )
    return pieces


def _serialised(elements: Iterable[etree._Element]) -> str:
    return "".join(etree.tostring(element, encoding="unicode") for element in elements)


def pain001_pieces(
    *,
    message_format: str,
    message_id: str,
    created_at: datetime,
    number_of_transactions: int,
    control_sum: Decimal,
    debtor: DebtorDetails,
    blocks: Sequence[PaymentBlock],
) -> Iterator[bytes]:
    """A credit transfer initiation's bytes, in pieces of up to `PIECE_TRANSACTIONS`
    transactions (joined, the whole file; the caller validates it).

    Each block's transactions are read as the pieces are asked for: a caller can hand each
    piece on (to a validating process) while the next transactions are still being made.
    """
    check_format(message_format)
    namespace = namespace_of(message_format)
    bic_tag = "BIC" if message_format == "pain.001.001.03" else "BICFI"
    header = _group_header(message_id, created_at, number_of_transactions, control_sum, debtor.name)
    opening = (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        f'<Document xmlns="{namespace}"><CstmrCdtTrfInitn>{_serialised([header])}'
    )
    for block in blocks:
        opening += f"<PmtInf>{_serialised(_block_header(block, debtor, message_format))}"
        transactions = iter(block.transactions)
        while piece := _transactions_xml(islice(transactions, PIECE_TRANSACTIONS), bic_tag):
            yield (opening + "".join(piece)).encode("utf-8")
            opening = ""
        opening += "</PmtInf>"
    yield f"{opening}</CstmrCdtTrfInitn></Document>".encode()
