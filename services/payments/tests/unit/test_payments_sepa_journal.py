"""Journalising a SEPA file's payments: when a file may be journalised, which of its payments
are, and on which day (the file's own requested execution date)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from payments.domain import CreditTransferBatch, build_credit_transfer
from payments.domain.payment import PaymentStatus
from payments.domain.sepa_journal import (
    FileStatus,
    FileTrail,
    NotSentToBank,
    UnreadableFile,
    check_journalisable,
    execution_dates,
    settled_on,
    to_journalise,
)

TODAY = date(2026, 12, 1)
T = datetime(2026, 12, 1, 9, tzinfo=UTC)


def batch(*executions: date) -> CreditTransferBatch:
    def payment(when: date, number: int) -> dict[str, Any]:
        return {
            "creditor": {"name": f"Leverancier {number}", "iban": "BE71096123456769"},
            "amount": f"{100 + number}.00",
            "currency": "EUR",
            "execution_date": when.isoformat(),
            "remittance": {"type": "unstructured", "value": f"factuur {number}"},
        }

    return CreditTransferBatch.from_data(
        {
            "debtor": {
                "name": "Bakkerij Peeters BV",
                "iban": "BE68539007547034",
                "address": {"town": "Antwerpen", "country": "BE"},
            },
            "payments": [payment(when, n) for n, when in enumerate(executions)],
        }
    )


def test_a_file_goes_generated_sent_to_bank_journalised() -> None:
    assert FileTrail(None, None, None).status is FileStatus.GENERATED
    assert FileTrail(T, None, None).status is FileStatus.SENT_TO_BANK
    assert FileTrail(None, T, None).status is FileStatus.SENT_TO_BANK
    assert FileTrail(T, T, T).status is FileStatus.JOURNALISED
    earlier = datetime(2026, 11, 30, tzinfo=UTC)
    assert FileTrail(T, earlier, None).sent_to_bank_at == earlier


def test_only_a_file_sent_to_the_bank_is_journalised() -> None:
    file_id = uuid.uuid4()
    with pytest.raises(NotSentToBank, match="has not been sent to the bank yet: download it"):
        check_journalisable(file_id, FileTrail(None, None, None))
    check_journalisable(file_id, FileTrail(T, None, None))
    check_journalisable(file_id, FileTrail(None, T, None))


def test_only_payments_still_in_processing_are_journalised() -> None:
    ids = [uuid.uuid4() for _ in range(3)]
    chosen, skipped = to_journalise(
        [
            (ids[0], PaymentStatus.IN_PROCESSING.value),
            (ids[1], PaymentStatus.PAID.value),  # the books settled it already
            (ids[2], PaymentStatus.IN_BASKET.value),  # rejected by the bank, back in the basket
        ]
    )
    assert (chosen, skipped) == ([ids[0]], ids[1:])


@pytest.mark.parametrize("message_format", ["pain.001.001.09", "pain.001.001.03"])
def test_each_transaction_is_settled_on_its_requested_execution_date(message_format: str) -> None:
    later = date(2026, 12, 4)
    built = build_credit_transfer(
        batch(later, date(2026, 11, 20), later),
        today=TODAY,
        format=message_format,  # type: ignore[arg-type]
    )
    dates = execution_dates(built.content)
    assert set(dates) == set(built.end_to_end_ids)
    first, past, third = built.end_to_end_ids
    assert (dates[first], dates[third]) == (later, later)
    assert dates[past] == TODAY  # a past date went into the file as the day it was made
    assert settled_on(past, dates) == TODAY
    with pytest.raises(UnreadableFile, match="no transaction E2E-unknown"):
        settled_on("E2E-unknown", dates)


def test_an_unreadable_file_says_so() -> None:
    with pytest.raises(UnreadableFile, match="cannot be read"):
        execution_dates(b"<Document><CstmrCdtTrfInitn>")
