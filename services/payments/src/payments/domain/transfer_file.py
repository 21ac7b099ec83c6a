"""From a checked batch to a pain.001 file that passed XSD validation, with totals and SHA-256.

A checked batch comes as a `PreparedBatch`: payments grouped into PmtInf blocks, every text
already in the SEPA character set, conversions recorded. Two ways make one, and both are
pure: `credit_transfer.prepare_batch` from the pydantic model, and `quick_batch.quick_prepare`
from decoded JSON, without loading pydantic. This module imports neither. The command-line tool
hands over a `quick_batch.QuickBatch` instead, whose payments are checked while the file is
written (`BatchToWrite`): a large file is validated in a child process piece by piece as it is
made, so that the child's parsing overlaps the checks.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Final, Literal, Protocol

from payments.domain.batch_fields import MAX_IDENTIFIER_LENGTH, check_identifier
from payments.domain.gc_pause import gc_paused
from payments.domain.integrity import file_digest
from payments.domain.pain001 import (
    DebtorDetails,
    PaymentBlock,
    Transaction,
    format_amount,
    pain001_pieces,
)
from payments.domain.parallel_xsd import (
    ValidatorProcess,
    parallel_validation_available,
    raise_for_verdict,
)
from payments.domain.sepa_text import (
    ConversionCounts,
    ConversionLog,
    ConversionRecord,
    TextConversion,
)
from payments.domain.xsd import check_format, validate_pain001

# pain.001.001.03 has a stricter BIC pattern than ISO 9362:2014 (and schwifty) accept.
BIC_PAIN_001_03: Final = re.compile(r"^[A-Z]{6}[A-Z2-9][A-NP-Z0-9]([A-Z0-9]{3})?$")
# From this many payments on, the file is XSD-validated in a child process (see `parallel_xsd`:
# two cores, and libxml2's validation keeps the GIL, so a thread would not help). Starting the
# child costs about 0.05-0.1 s, so it pays from about 15,000 payments on (measured: 10,000 are
# slower, 20,000 faster); smaller batches are validated in this process.
PARALLEL_VALIDATION_MIN_PAYMENTS = 20_000
# The smallest JSON a payment can take (creditor name and IBAN, amount, currency, date,
# remittance): an input file this many times the threshold above has enough payments.
_MIN_JSON_BYTES_PER_PAYMENT = 150
# A summary lists this many conversions of each field (`payments[].creditor.name` ...) unless
# all are asked for; the counts per field and per character are always given.
CONVERSION_EXAMPLES_PER_FIELD: Final = 3
ConversionListing = Literal["examples", "full"]
# A PmtInf block: (execution date, batch booking).
BlockKey = tuple[date, bool]


@dataclass(frozen=True, slots=True)
class PreparedBatch:
    """A checked batch ready to be written.

    `blocks`: the transactions of each PmtInf in input order, by (effective execution date,
    batch booking), with their totals in `sums`; `end_to_end_ids` in the order of the input's
    payments; `conversions`: every text changed to fit the SEPA set.
    """

    debtor: DebtorDetails
    blocks: dict[BlockKey, list[Transaction]]
    sums: dict[BlockKey, Decimal]
    end_to_end_ids: list[str]
    conversions: list[ConversionRecord]

    def block_sizes(self) -> dict[BlockKey, int]:
        return {key: len(transactions) for key, transactions in self.blocks.items()}

    def transactions(self, key: BlockKey) -> list[Transaction]:
        return self.blocks[key]


class BatchToWrite(Protocol):
    """What `write_credit_transfer` reads: a `PreparedBatch`, or a batch whose payments are
    checked while their transactions are read (`quick_batch.QuickBatch`).

    `transactions(key)` gives a block's transactions in input order (and may raise: nothing is
    written then); `end_to_end_ids` and `conversions` are read once every block has been read.
    """

    @property
    def debtor(self) -> DebtorDetails: ...

    @property
    def sums(self) -> dict[BlockKey, Decimal]: ...

    @property
    def end_to_end_ids(self) -> list[str]: ...

    @property
    def conversions(self) -> list[ConversionRecord]: ...

    def block_sizes(self) -> dict[BlockKey, int]: ...

    def transactions(self, key: BlockKey) -> Iterable[Transaction]: ...


def strict_bic_problem(path: str, bic: str, format: str) -> str:
    return f"{path}: {bic} cannot be written in {format}."


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
        counts = log.counts()
        listed = (
            log.conversions()
            if conversions == "full"
            else log.examples(CONVERSION_EXAMPLES_PER_FIELD, counts.by_field)
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
            "conversion_counts": counts.as_dict(),
        }


def new_message_id() -> str:
    """32 hexadecimal characters from a random UUID: unique, and inside the SEPA character set."""
    return uuid.uuid4().hex


def effective_execution_date(requested: date, today: date) -> date:
    """A requested date of today or earlier is executed today (the day the file is made)."""
    return requested if requested > today else today


def derived_id(base: str, suffix: str) -> str:
    """`base-suffix` cut to 35 characters by shortening the base, never the suffix."""
    room = MAX_IDENTIFIER_LENGTH - len(suffix) - 1
    return f"{base[:room].rstrip('/')}-{suffix}"


def checked_message_id(message_id: str | None) -> str:
    """`message_id` checked as an EPC reference, or a new random one."""
    if message_id is None:
        return new_message_id()
    check_identifier(message_id, "message id")
    return message_id


def write_credit_transfer(
    prepared: BatchToWrite,
    *,
    message_id: str,
    format: str,
    created_at: datetime,
    validator: ValidatorProcess | None = None,
    while_validating: Callable[[bytes], object] | None = None,
) -> CreditTransferFile:
    """Write, XSD-validate and hash the file of a prepared batch.

    `while_validating(content)` is called with the bytes before they are known to be valid,
    while a child process validates them (a large file): a command can write them to a
    temporary file meanwhile, and must drop it if this then raises.

    `validator`: a validating child started earlier by the caller (`early_validator`); it is
    used for this file whatever its size, and ended when this returns. Without one, a large
    batch gets its own child and a small one is validated here. Raises `XsdValidationError` if
    the bytes do not validate (a defect, since the input was checked).
    """
    check_format(format)
    count = sum(prepared.block_sizes().values())
    with gc_paused(), _validator_process(count, format, validator) as child:
        return _write(prepared, message_id, format, created_at, child, while_validating)


def early_validator(format: str, input_bytes: int) -> ValidatorProcess | None:
    """Start the validating child before a large input is read and checked, or None.

    For a command that reads a batch from a file: when the input is so large that the file will
    be validated in a child process anyway, starting that child first (interpreter, lxml, XSD:
    0.1 to 0.2 s) lets it get ready on the other core while the input is checked here. Pass it
    to `build_credit_transfer`, or close it if the input is refused.
    """
    if input_bytes < PARALLEL_VALIDATION_MIN_PAYMENTS * _MIN_JSON_BYTES_PER_PAYMENT:
        return None
    check_format(format)
    if not parallel_validation_available(format):
        return None
    try:
        return ValidatorProcess(format)
    except OSError:  # no child process: validated here
        return None


@contextlib.contextmanager
def _validator_process(
    count: int, format: str, started: ValidatorProcess | None
) -> Iterator[ValidatorProcess | None]:
    """A child process validating the file, or None (then validated here)."""
    if started is not None and started.message_format != format:
        started.close()
        started = None
    validator = started
    if (
        validator is None
        and count >= PARALLEL_VALIDATION_MIN_PAYMENTS
        and parallel_validation_available(format)
    ):
        with contextlib.suppress(OSError):  # no child process: validated here
            validator = ValidatorProcess(format)
    if validator is None:
        yield None
    else:
        with validator:
            yield validator


def _write(
    prepared: BatchToWrite,
    message_id: str,
    format: str,
    created_at: datetime,
    validator: ValidatorProcess | None,
    while_validating: Callable[[bytes], object] | None,
) -> CreditTransferFile:
    sums = prepared.sums
    sizes = prepared.block_sizes()
    blocks = [
        PaymentBlock(
            payment_information_id=derived_id(message_id, f"B{number}"),
            execution_date=key[0],
            batch_booking=key[1],
            number_of_transactions=sizes[key],
            control_sum=sums[key],
            transactions=prepared.transactions(key),
        )
        for number, key in enumerate(sorted(sizes), start=1)
    ]
    count = sum(sizes.values())
    control_sum = sum(sums.values(), Decimal(0))
    pieces = pain001_pieces(
        message_format=format,
        message_id=message_id,
        created_at=created_at,
        number_of_transactions=count,
        control_sum=control_sum,
        debtor=prepared.debtor,
        blocks=blocks,
    )
    if validator is not None:
        # Each piece goes to the validating child as soon as it is made: the child parses the
        # file on the other core while the rest is made (and, for a `QuickBatch`, checked).
        digest = hashlib.sha256()
        written: list[bytes] = []
        for piece in pieces:
            written.append(piece)
            digest.update(piece)
            validator.feed(piece)
        content = b"".join(written)
        del written
        sha256 = digest.hexdigest()
        if while_validating is not None:
            while_validating(content)  # while the child finishes validating, on the other core
        raise_for_verdict(format, validator.verdict(), content)
    else:
        content = b"".join(pieces)
        validate_pain001(content, format)
        sha256 = file_digest(content, "sha256")
        if while_validating is not None:
            while_validating(content)
    records = prepared.conversions
    return CreditTransferFile(
        content=content,
        message_format=format,
        message_id=message_id,
        created_at=created_at,
        number_of_transactions=count,
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
        end_to_end_ids=tuple(prepared.end_to_end_ids),
        sha256=sha256,
        # Input order: fields outside the payments (index -1) first, then by payment (stable).
        conversion_log=ConversionLog(tuple(sorted(records, key=itemgetter(0)))),
    )
