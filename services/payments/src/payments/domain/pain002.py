"""The bank's answer to a SEPA credit-transfer file: the pain.002 customer payment status report
(pain.002.001.03 or .10), read and matched to the file it reports on.

Pure: the report is validated against its ISO 20022 XSD (packaged in `payments/schemas`), must
report on this file (its `OrgnlMsgId`) and name only the file's payment information blocks and
transactions. Each transaction of the file gets the status the report gives it: its own
(`TxSts`), else its block's (`PmtInfSts`), else the group's (`GrpSts`); a transaction the report
does not name and whose block and group are not rejected keeps its state (not reported).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Final

from ledgerline.xml import safe_parser
from lxml import etree

from payments.domain.payment import PaymentRefused
from payments.domain.sepa_journal import FileTransaction

FORMATS: Final = ("pain.002.001.03", "pain.002.001.10")
NAMESPACES: Final = {f"urn:iso:std:iso:20022:tech:xsd:{f}": f for f in FORMATS}
REJECTED: Final = "RJCT"
_SHOWN_ERRORS: Final = 3


class InvalidStatusReport(PaymentRefused):
    """The upload is not a valid status report of this file; the message says why."""


@cache
def _schema(message_format: str) -> etree.XMLSchema:
    source = resources.files("payments").joinpath("schemas", f"{message_format}.xsd").read_bytes()
    return etree.XMLSchema(etree.fromstring(source))


@dataclass(frozen=True)
class Status:
    code: str  # ISO 20022 status: ACCP, ACSC, ACSP, ACTC, ACWC, PART, PDNG, RCVD, RJCT ...
    reason: str | None = None  # "AC01 Creditor account number is invalid"

    @property
    def rejected(self) -> bool:
        return self.code == REJECTED


@dataclass(frozen=True)
class _Reported:
    status: str | None
    reason: str | None


@dataclass(frozen=True)
class StatusReport:
    message_id: str
    message_format: str
    original_message_id: str
    group: _Reported
    blocks: dict[str, _Reported]
    transactions: dict[str, tuple[str | None, _Reported]]  # e2e id -> (its block, status)


def _reason(element: etree._Element) -> str | None:
    """The first status reason: its code (or proprietary code) and additional information."""
    info = next(element.iterchildren("{*}StsRsnInf"), None)
    if info is None:
        return None
    code = (info.findtext("{*}Rsn/{*}Cd") or info.findtext("{*}Rsn/{*}Prtry") or "").strip()
    details = [(t.text or "").strip() for t in info.iterchildren("{*}AddtlInf")]
    text = " ".join(part for part in (code, *details) if part)
    return text or None


def _reported(element: etree._Element, status_tag: str) -> _Reported:
    status = element.findtext(f"{{*}}{status_tag}")
    return _Reported(status.strip() if status else None, _reason(element))


def read_status_report(content: bytes) -> StatusReport:
    """Parse and XSD-validate a pain.002 report. Raises InvalidStatusReport."""
    if not content.strip():
        raise InvalidStatusReport("the status report is empty: upload the bank's pain.002 file")
    try:
        root = etree.fromstring(content, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise InvalidStatusReport(f"the status report is not well-formed XML: {exc}") from exc
    if root.getroottree().docinfo.doctype:
        # Entities are never resolved (safe_parser); an ISO 20022 message has no DTD at all.
        raise InvalidStatusReport("the status report has a DOCTYPE; a pain.002 file has none")
    namespace = etree.QName(root).namespace or ""
    message_format = NAMESPACES.get(namespace)
    if message_format is None:
        raise InvalidStatusReport(
            f"not a payment status report: the document's namespace is {namespace or 'none'!r}; "
            "expected pain.002.001.03 or pain.002.001.10"
        )
    schema = _schema(message_format)
    try:
        valid = schema.validate(root)
    except etree.XMLSchemaValidateError as exc:
        raise InvalidStatusReport(f"the status report cannot be validated: {exc}") from exc
    if not valid:
        errors = [f"line {e.line}: {e.message}" for e in schema.error_log][:_SHOWN_ERRORS]
        raise InvalidStatusReport(
            f"the status report does not validate against {message_format}.xsd: "
            + "; ".join(errors)
        )
    report = root[0]
    group = report.find("{*}OrgnlGrpInfAndSts")
    assert group is not None  # required by the schema
    blocks: dict[str, _Reported] = {}
    transactions: dict[str, tuple[str | None, _Reported]] = {}
    for block in report.iterchildren("{*}OrgnlPmtInfAndSts"):
        block_id = (block.findtext("{*}OrgnlPmtInfId") or "").strip()
        blocks[block_id] = _reported(block, "PmtInfSts")
        for transaction in block.iterchildren("{*}TxInfAndSts"):
            end_to_end = (transaction.findtext("{*}OrgnlEndToEndId") or "").strip()
            if not end_to_end:
                raise InvalidStatusReport(
                    f"a transaction of block {block_id} has no OrgnlEndToEndId: it cannot be "
                    "matched to a payment"
                )
            transactions[end_to_end] = (block_id, _reported(transaction, "TxSts"))
    return StatusReport(
        message_id=(report.findtext("{*}GrpHdr/{*}MsgId") or "").strip(),
        message_format=message_format,
        original_message_id=(group.findtext("{*}OrgnlMsgId") or "").strip(),
        group=_reported(group, "GrpSts"),
        blocks=blocks,
        transactions=transactions,
    )


def statuses_of_file(
    report: StatusReport, message_id: str, file: Iterable[FileTransaction]
) -> dict[str, Status]:
    """End-to-end id -> the status the report gives it, for each transaction of the file that
    the report gives one. Raises InvalidStatusReport for a report on another file or naming
    blocks or transactions the file does not have."""
    if report.original_message_id != message_id:
        raise InvalidStatusReport(
            f"the status report is about message {report.original_message_id!r}, not this SEPA "
            f"file ({message_id!r})"
        )
    transactions = list(file)
    known_blocks = {t.payment_information_id for t in transactions}
    block_of = {t.end_to_end_id: t.payment_information_id for t in transactions}
    unknown_blocks = sorted(set(report.blocks) - known_blocks)
    if unknown_blocks:
        raise InvalidStatusReport(
            "the status report names payment information blocks that are not in the file: "
            + ", ".join(unknown_blocks)
        )
    unknown = sorted(set(report.transactions) - set(block_of))
    if unknown:
        raise InvalidStatusReport(
            "the status report names end-to-end ids that are not in the file: " + ", ".join(unknown)
        )
    statuses: dict[str, Status] = {}
    for end_to_end, block_id in block_of.items():
        levels = [report.transactions[end_to_end][1]] if end_to_end in report.transactions else []
        levels += [report.blocks[block_id]] if block_id in report.blocks else []
        levels.append(report.group)
        given = next((level for level in levels if level.status is not None), None)
        if given is None or given.status is None:
            continue
        # A block or group status covers the transactions it does not list only when final
        # for all of them: rejected (PART says some were, and lists them).
        if end_to_end not in report.transactions and given.status != REJECTED:
            continue
        reason = next((level.reason for level in levels if level.reason), None)
        statuses[end_to_end] = Status(given.status, reason)
    return statuses
