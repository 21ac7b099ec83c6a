"""XSD validation in a child process while a large file is written (domain.parallel_xsd).

The threshold is lowered so that a 50-payment batch takes the parallel path; the files are then
checked with lxml against the packaged XSDs as a whole, independently of the child.
"""

from __future__ import annotations

import hashlib
import subprocess
from datetime import date
from importlib import resources
from typing import Any

import pytest
from lxml import etree
from payments.domain import pain001, parallel_xsd, transfer_file
from payments.domain.credit_transfer import CreditTransferBatch, build_credit_transfer
from payments.domain.parallel_xsd import ValidatorProcess, raise_for_verdict
from payments.domain.xsd import XsdValidationError

FORMATS = ("pain.001.001.09", "pain.001.001.03")
TODAY = date(2026, 1, 5)
DEBTOR = {
    "name": "Fiduciaire Janssens BV",
    "iban": "BE71 0961 2345 6769",
    "bic": "GKCCBEBB",
    "address": {
        "street": "Kerkstraat",
        "postal_code": "2000",
        "town": "Antwerpen",
        "country": "BE",
    },
}


def packaged_schema(message_format: str) -> etree.XMLSchema:
    source = resources.files("payments").joinpath("schemas", f"{message_format}.xsd")
    return etree.XMLSchema(etree.fromstring(source.read_bytes()))


def large_batch(count: int = 50) -> CreditTransferBatch:
    payments = [
        {
            "end_to_end_id": f"E-{index}",
            "creditor": {"name": f"Café De Kroon {index}", "iban": "BE68539007547034"},
            "amount": f"{index + 1}.25",
            "currency": "EUR",
            "execution_date": f"2026-01-{20 + index % 3}",
            "remittance": {"type": "unstructured", "value": f"Invoice 2026/{index}"},
        }
        for index in range(count)
    ]
    return CreditTransferBatch.from_data({"debtor": DEBTOR, "payments": payments})


def child_is_gone(process: subprocess.Popen[bytes]) -> bool:
    return process.returncode is not None  # reaped: killed or exited, and waited for


@pytest.fixture
def verdicts(monkeypatch: pytest.MonkeyPatch) -> list[list[str] | None]:
    """Parallel path from 10 payments on; records each verdict the child gives."""
    monkeypatch.setattr(transfer_file, "PARALLEL_VALIDATION_MIN_PAYMENTS", 10)
    recorded: list[list[str] | None] = []
    original = ValidatorProcess.verdict

    def verdict(self: ValidatorProcess) -> list[str] | None:
        result = original(self)
        recorded.append(result)
        return result

    monkeypatch.setattr(ValidatorProcess, "verdict", verdict)
    return recorded


@pytest.mark.parametrize("message_format", FORMATS)
def test_large_batch_is_validated_in_a_child_and_hashed_while_written(
    message_format: str, verdicts: list[list[str] | None]
) -> None:
    built = build_credit_transfer(large_batch(), today=TODAY, format=message_format)  # type: ignore[arg-type]
    assert verdicts == [[]]  # the child validated it
    schema = packaged_schema(message_format)
    assert schema.validate(etree.fromstring(built.content)), schema.error_log
    assert built.sha256 == hashlib.sha256(built.content).hexdigest()
    assert built.number_of_transactions == 50
    sequential = build_credit_transfer(
        large_batch(),
        today=TODAY,
        format=message_format,  # type: ignore[arg-type]
        message_id=built.message_id,
    )
    assert len(verdicts) == 2
    assert sequential.content == built.content


def test_invalid_file_fails_through_the_child(
    monkeypatch: pytest.MonkeyPatch, verdicts: list[list[str] | None]
) -> None:
    original = pain001._block_header

    def broken_header(*args: Any) -> list[etree._Element]:
        return [*original(*args), etree.Element("Bogus")]

    monkeypatch.setattr(pain001, "_block_header", broken_header)
    with pytest.raises(XsdValidationError) as raised:
        build_credit_transfer(large_batch(), today=TODAY)
    assert verdicts and verdicts[0]  # the errors came from the child
    assert any("Bogus" in error for error in raised.value.errors)


def test_small_batches_are_not_forked(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork(*args: Any) -> None:
        raise AssertionError("forked for a small batch")

    monkeypatch.setattr(transfer_file, "ValidatorProcess", no_fork)
    built = build_credit_transfer(large_batch(20), today=TODAY)
    assert built.sha256 == hashlib.sha256(built.content).hexdigest()


def test_child_reports_schema_errors_and_stops_reading_at_a_syntax_error() -> None:
    content = build_credit_transfer(large_batch(), today=TODAY).content
    broken = content.replace(b"<ChrgBr>SLEV</ChrgBr>", b"<ChrgBr>NONE</ChrgBr>")
    with ValidatorProcess("pain.001.001.09") as validator:
        validator.feed(broken)
        errors = validator.verdict()
    assert errors and any("ChrgBr" in error for error in errors)
    with pytest.raises(XsdValidationError):
        raise_for_verdict("pain.001.001.09", errors, broken)
    with ValidatorProcess("pain.001.001.09") as validator:
        for _ in range(40):  # a second document: the child stops reading, no hang, no error here
            validator.feed(content)
        errors = validator.verdict()
    assert errors


def test_child_reports_a_document_cut_short() -> None:
    content = build_credit_transfer(large_batch(), today=TODAY).content
    with ValidatorProcess("pain.001.001.09") as validator:
        validator.feed(content[:-20])
        assert validator.verdict()
    with ValidatorProcess("pain.001.001.09") as validator:
        validator.feed(content)
        assert validator.verdict() == []


def test_without_a_verdict_the_parent_validates_itself() -> None:
    content = build_credit_transfer(large_batch(), today=TODAY).content
    validator = ValidatorProcess("pain.001.001.09")
    process = validator._process
    assert process is not None
    process.kill()
    assert validator.verdict() is None
    assert child_is_gone(process)
    raise_for_verdict("pain.001.001.09", None, content)  # valid: no error
    with pytest.raises(XsdValidationError):
        raise_for_verdict("pain.001.001.09", None, content[:-20])


def test_an_exception_in_the_parent_ends_the_child() -> None:
    with pytest.raises(KeyboardInterrupt), ValidatorProcess("pain.001.001.09") as validator:
        process = validator._process
        assert process is not None
        validator.feed(b"<?xml version='1.0' encoding='UTF-8'?>\n<Document")
        raise KeyboardInterrupt
    assert child_is_gone(process)


def test_parallel_path_needs_the_schema_as_a_file() -> None:
    assert parallel_xsd.parallel_validation_available("pain.001.001.09")
    with pytest.raises(ValueError):
        parallel_xsd.parallel_validation_available("pain.001.001.99")
