"""The client's labels: the newest set wins whatever the order of arrival, and only an open
proposal follows them."""

import uuid
from datetime import UTC, datetime, timedelta

from worklist.domain.client_labels import follows_client_labels, supersedes

DELIVERED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def test_the_first_labels_are_kept() -> None:
    assert supersedes(None, DELIVERED)


def test_a_later_change_replaces_the_delivery_labels() -> None:
    assert supersedes(DELIVERED, DELIVERED + timedelta(minutes=5))


def test_the_delivery_labels_handled_after_a_change_do_not_replace_it() -> None:
    assert not supersedes(DELIVERED + timedelta(minutes=5), DELIVERED)


def test_a_redelivered_event_replaces_with_the_same_set() -> None:
    assert supersedes(DELIVERED, DELIVERED)


def test_only_an_open_proposal_follows_the_client() -> None:
    assert follows_client_labels("open")
    assert not follows_client_labels("sent")
    assert not follows_client_labels("booked")


def test_a_delivery_without_labels_is_skipped_before_the_inbox() -> None:
    """The worklist reads document.received.v1 only for the client's labels: one without any is
    not taken at all (no inbox row, no transaction per document)."""
    from ledgerline.events import DocumentReceived, RawEnvelope
    from worklist.service_layer import SUBSCRIPTIONS

    [received] = [s for s in SUBSCRIPTIONS if s.event is DocumentReceived]
    assert received.accepts is not None

    def raw(**fields: object) -> RawEnvelope:
        return RawEnvelope(
            source="/ledgerline/ingest",
            type="be.ledgerline.document.received.v1",
            dossierid=uuid.uuid4(),
            officeid=uuid.uuid4(),
            correlationid="c",
            **fields,
        )

    assert received.accepts(raw(data={"document_id": str(uuid.uuid4()), "labels": []})) is False
    assert received.accepts(raw(data={"document_id": str(uuid.uuid4()), "labels": ["x"]}))
    assert received.accepts(raw(dataref="http://ingest.test/events/1"))
