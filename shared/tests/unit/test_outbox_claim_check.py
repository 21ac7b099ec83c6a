"""Claim check, relay backoff and relay log lines, without broker or database."""

import io
import json
import logging
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    UnknownTopicOrPartitionError,
)
from ledgerline.claimcheck import ClaimCheck, to_outbox_message
from ledgerline.consumers import PoisonMessage, parse_raw_envelope, typed_envelope
from ledgerline.events import Envelope, LedgerSynced, RawEnvelope, spec_for
from ledgerline.observability import configure_logging, enter_flow, leave_flow
from ledgerline.outbox import backoff_seconds, is_permanent
from pydantic import ValidationError


def synced(counterparties: int = 1) -> Envelope[LedgerSynced]:
    return Envelope[LedgerSynced](
        source="/tests",
        type=spec_for(LedgerSynced).type,
        dossierid=uuid.uuid4(),
        officeid=uuid.uuid4(),
        correlationid="flow-1",
        data=LedgerSynced(synced_at=datetime.now(UTC), counterparties=counterparties),
    )


def test_small_data_travels_inline_and_large_data_behind_a_dataref() -> None:
    envelope = synced()
    data_size = len(envelope.data.model_dump_json())
    roomy = ClaimCheck(max_inline_bytes=data_size, public_base_url="http://recognition:8002/")
    inline = to_outbox_message(envelope, roomy)
    assert inline.stored_data is None
    wire = json.loads(inline.payload)
    assert wire["data"]["counterparties"] == 1 and "dataref" not in wire

    tight = ClaimCheck(max_inline_bytes=data_size - 1, public_base_url="http://recognition:8002/")
    checked = to_outbox_message(envelope, tight)
    assert checked.stored_data == envelope.data.model_dump_json()
    wire = json.loads(checked.payload)
    assert "data" not in wire
    assert wire["dataref"] == f"http://recognition:8002/platform/events/{envelope.id}/data"
    assert wire["correlationid"] == "flow-1" and wire["dossierid"] == str(envelope.dossierid)

    # What a consumer gets back: the same envelope once the data is fetched.
    raw = parse_raw_envelope(checked.payload.encode())
    assert raw.data is None and raw.dataref == wire["dataref"]
    resolved = typed_envelope(Envelope[LedgerSynced], raw, json.loads(checked.stored_data))
    assert resolved.data == envelope.data and resolved.id == envelope.id


def test_an_envelope_without_data_or_dataref_is_poison() -> None:
    wire = json.loads(synced().model_dump_json(exclude={"data", "dataref"}))
    with pytest.raises(ValidationError):
        RawEnvelope.model_validate(wire)
    with pytest.raises(PoisonMessage):
        parse_raw_envelope(json.dumps(wire).encode())


def test_backoff_doubles_and_is_capped() -> None:
    assert [backoff_seconds(n, 0.5, 5) for n in range(1, 7)] == [0.5, 1, 2, 4, 5, 5]


def test_only_row_specific_failures_are_permanent() -> None:
    assert is_permanent(MessageSizeTooLargeError())
    for transient in (KafkaConnectionError(), KafkaTimeoutError(), UnknownTopicOrPartitionError()):
        assert not is_permanent(transient)


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("tests")
    stream = io.StringIO()
    root.handlers[0].setStream(stream)  # type: ignore[attr-defined]
    try:
        yield stream
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        leave_flow()


def test_log_lines_outside_a_flow_claim_no_correlation_id(log_lines: io.StringIO) -> None:
    log = logging.getLogger("tests.relay")
    leave_flow()
    log.info("batch published", extra={"correlation_ids": ["flow-a", "flow-b"]})
    log.info("row parked", extra={"correlation_id": "flow-a"})
    enter_flow("flow-request")
    log.info("in a request")
    batch, row, request = (json.loads(line) for line in log_lines.getvalue().splitlines())
    assert "correlation_id" not in batch and batch["correlation_ids"] == ["flow-a", "flow-b"]
    assert row["correlation_id"] == "flow-a"
    assert request["correlation_id"] == "flow-request"
