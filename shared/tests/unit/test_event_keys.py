"""Kafka keys per event type: document events by document, every other event by dossier."""

import uuid
from datetime import UTC, datetime

import pytest
from ledgerline.devstack.kafka import DEFAULT_PARTITIONS, topic_partitions
from ledgerline.events import EVENTS, DocumentSubmitted, LedgerSynced, spec_for


def test_document_events_are_keyed_by_document_and_the_rest_by_dossier() -> None:
    document, dossier = uuid.uuid4(), uuid.uuid4()
    submitted = DocumentSubmitted(
        document_id=document,
        mailbox="purchase",
        submitted_at=datetime.now(UTC),
        submitted_by="user:x",
    )
    assert spec_for(submitted).message_key(submitted, dossier) == str(document)
    synced = LedgerSynced(synced_at=datetime.now(UTC))
    assert spec_for(synced).message_key(synced, dossier) == str(dossier)
    by_document = {spec.topic for spec in EVENTS if spec.key == "document"}
    assert by_document == {
        "document.received.v1",
        "document.recognized.v1",
        "document.submitted.v1",
        "document.labels-changed.v1",
        "document.deleted.v1",
        "document.archived.v1",
        "document.moved.v1",
        "document.recognition-requested.v1",
    }
    for spec in EVENTS:  # a document key needs a document id in the data
        if spec.key == "document":
            assert "document_id" in spec.model.model_fields


def test_partitions_per_topic_are_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERLINE_KAFKA_PARTITIONS", raising=False)
    assert topic_partitions() == DEFAULT_PARTITIONS == 12
    monkeypatch.setenv("LEDGERLINE_KAFKA_PARTITIONS", "24")
    assert topic_partitions() == 24
    monkeypatch.setenv("LEDGERLINE_KAFKA_PARTITIONS", "0")
    with pytest.raises(ValueError, match="at least 1"):
        topic_partitions()
