"""The bank's payment status report (pain.002) on a SEPA file: validated against its XSD,
matched to the file, and each transaction's status taken from its own, its block's or the
group's level."""

from datetime import date

import pytest
from ledgerline.testing.pain002 import Block, Reason, Report, Transaction, status_report
from payments.domain import CreditTransferBatch, build_credit_transfer
from payments.domain.pain002 import (
    InvalidStatusReport,
    Status,
    read_status_report,
    statuses_of_file,
)
from payments.domain.sepa_journal import FileTransaction, file_transactions

TODAY = date(2026, 12, 1)
FILE = (
    FileTransaction("MSG-1-1", "E2E-A", TODAY),
    FileTransaction("MSG-1-1", "E2E-B", TODAY),
    FileTransaction("MSG-1-2", "E2E-C", date(2026, 12, 4)),
)
AC01 = Reason("AC01", "Creditor account number is invalid")


def statuses(report: Report, file: tuple[FileTransaction, ...] = FILE) -> dict[str, Status]:
    return statuses_of_file(read_status_report(status_report(report)), "MSG-1", file)


@pytest.mark.parametrize("message_format", ["pain.002.001.10", "pain.002.001.03"])
def test_a_rejected_transaction_carries_the_banks_reason(message_format: str) -> None:
    report = Report(
        "MSG-1",
        [Block("MSG-1-1", [Transaction("E2E-A"), Transaction("E2E-B", "RJCT", AC01)], "PART")],
        group_status="PART",
        message_format=message_format,
    )
    assert statuses(report) == {
        "E2E-A": Status("ACCP"),
        "E2E-B": Status("RJCT", "AC01 Creditor account number is invalid"),
    }
    assert statuses(report)["E2E-B"].rejected and not statuses(report)["E2E-A"].rejected


def test_a_rejected_block_or_group_rejects_the_transactions_it_does_not_list() -> None:
    block = Report("MSG-1", [Block("MSG-1-2", status="RJCT", reason=Reason("AM04"))])
    assert statuses(block) == {"E2E-C": Status("RJCT", "AM04")}
    group = Report("MSG-1", group_status="RJCT", group_reason=Reason("FF01", "Invalid file"))
    assert set(statuses(group)) == {"E2E-A", "E2E-B", "E2E-C"}
    assert statuses(group)["E2E-A"] == Status("RJCT", "FF01 Invalid file")
    # Accepted as a whole: nothing changes for the transactions (they stay to be journalised).
    assert statuses(Report("MSG-1", group_status="ACCP")) == {}
    # A transaction listed without its own status takes its block's.
    listed = Report("MSG-1", [Block("MSG-1-1", [Transaction("E2E-A", None)], "RJCT", AC01)])
    assert statuses(listed)["E2E-A"] == Status("RJCT", "AC01 Creditor account number is invalid")


def test_a_report_on_another_file_or_unknown_transactions_is_refused() -> None:
    with pytest.raises(InvalidStatusReport, match="about message 'MSG-2', not this SEPA file"):
        statuses(Report("MSG-2", group_status="RJCT"))
    unknown = Report("MSG-1", [Block("MSG-1-1", [Transaction("E2E-X", "RJCT")])])
    with pytest.raises(InvalidStatusReport, match="end-to-end ids that are not in the file: E2E-X"):
        statuses(unknown)
    with pytest.raises(InvalidStatusReport, match="blocks that are not in the file: MSG-9"):
        statuses(Report("MSG-1", [Block("MSG-9", status="RJCT")]))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the status report is empty"),
        (b"<Document><CstmrPmtStsRpt>", "not well-formed XML"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>',
            "not a payment status report: the document's namespace is "
            "'urn:iso:std:iso:20022:tech:xsd:pain.001.001.09'",
        ),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">'
            b"<CstmrPmtStsRpt><GrpHdr><MsgId>S</MsgId></GrpHdr></CstmrPmtStsRpt></Document>",
            "does not validate against pain.002.001.10.xsd: line 1:",
        ),
        (
            b'<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">&e;</Document>',
            "the status report has a DOCTYPE",
        ),
    ],
)
def test_what_is_not_a_valid_pain002_says_why(content: bytes, message: str) -> None:
    with pytest.raises(InvalidStatusReport, match=message):
        read_status_report(content)


def test_a_report_on_a_file_the_service_made_matches_its_transactions() -> None:
    batch = CreditTransferBatch.from_data(
        {
            "debtor": {
                "name": "Bakkerij Peeters BV",
                "iban": "BE68539007547034",
                "address": {"town": "Antwerpen", "country": "BE"},
            },
            "payments": [
                {
                    "creditor": {"name": f"Leverancier {n}", "iban": "BE71096123456769"},
                    "amount": "10.00",
                    "currency": "EUR",
                    "execution_date": TODAY.isoformat(),
                    "remittance": {"type": "none"},
                }
                for n in range(2)
            ],
        }
    )
    built = build_credit_transfer(batch, today=TODAY, message_id="MSG-1")
    made = file_transactions(built.content)
    _, second = built.end_to_end_ids
    block = made[0].payment_information_id
    report = Report("MSG-1", [Block(block, [Transaction(second, "RJCT", AC01)], "PART")])
    assert statuses(report, made) == {second: Status("RJCT", AC01.code + " " + str(AC01.text))}
