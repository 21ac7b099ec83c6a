"""Event ids are version 7 UUIDs, in the order they were made: every consumer's inbox row and
every producer's outbox row goes in at the end of its key's index instead of on a random page
of it (with version 4 ids, a benchmark stack's cost per document rose by a quarter over 50,000
documents as those indexes grew)."""

import uuid
from datetime import UTC, datetime

from ledgerline.testing.events import envelope, pdf_received


def test_event_ids_are_time_ordered() -> None:
    office, dossier = uuid.uuid4(), uuid.uuid4()
    ids = [
        envelope(pdf_received(uuid.uuid4(), datetime.now(UTC)), office, dossier).id
        for _ in range(1000)
    ]
    assert {event_id.version for event_id in ids} == {7}
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
