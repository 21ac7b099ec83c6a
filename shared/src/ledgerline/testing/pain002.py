"""Bank payment status reports (pain.002) for tests, the one place they are made: what a bank
answers to a SEPA credit-transfer file, with a status (and reason) per transaction, per payment
information block or for the whole group."""

from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

FORMATS = ("pain.002.001.10", "pain.002.001.03")


@dataclass(frozen=True)
class Reason:
    code: str  # AC01, AM04, MS03 ...
    text: str | None = None


@dataclass(frozen=True)
class Transaction:
    end_to_end_id: str
    status: str | None = "ACCP"
    reason: Reason | None = None


@dataclass(frozen=True)
class Block:
    payment_information_id: str
    transactions: Sequence[Transaction] = ()
    status: str | None = None
    reason: Reason | None = None


@dataclass(frozen=True)
class Report:
    original_message_id: str
    blocks: Sequence[Block] = ()
    group_status: str | None = None
    group_reason: Reason | None = None
    message_id: str = "STS-0001"
    original_format: str = "pain.001.001.09"
    message_format: str = FORMATS[0]


def _text(parent: etree._Element, tag: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, tag)
    element.text = text
    return element


def _reason(parent: etree._Element, reason: Reason | None) -> None:
    if reason is None:
        return
    info = etree.SubElement(parent, "StsRsnInf")
    _text(etree.SubElement(info, "Rsn"), "Cd", reason.code)
    if reason.text:
        _text(info, "AddtlInf", reason.text)


def status_report(report: Report) -> bytes:
    """The report as the bank sends it (valid against the pain.002 XSD of its format)."""
    namespace = f"urn:iso:std:iso:20022:tech:xsd:{report.message_format}"
    root = etree.Element("Document", nsmap={None: namespace})
    body = etree.SubElement(root, "CstmrPmtStsRpt")
    header = etree.SubElement(body, "GrpHdr")
    _text(header, "MsgId", report.message_id)
    _text(header, "CreDtTm", "2026-12-01T08:00:00")
    group = etree.SubElement(body, "OrgnlGrpInfAndSts")
    _text(group, "OrgnlMsgId", report.original_message_id)
    _text(group, "OrgnlMsgNmId", report.original_format)
    if report.group_status:
        _text(group, "GrpSts", report.group_status)
    _reason(group, report.group_reason)
    for block in report.blocks:
        element = etree.SubElement(body, "OrgnlPmtInfAndSts")
        _text(element, "OrgnlPmtInfId", block.payment_information_id)
        if block.status:
            _text(element, "PmtInfSts", block.status)
        _reason(element, block.reason)
        for transaction in block.transactions:
            info = etree.SubElement(element, "TxInfAndSts")
            _text(info, "OrgnlEndToEndId", transaction.end_to_end_id)
            if transaction.status:
                _text(info, "TxSts", transaction.status)
            _reason(info, transaction.reason)
    # Namespaced throughout: the elements were made without one, the document has a default.
    for element in root.iter():
        element.tag = f"{{{namespace}}}{etree.QName(element).localname}"
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")
