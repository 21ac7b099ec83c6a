"""The client's labels of a document, as the worklist keeps them for the proposal's header.

Ingest tells them at delivery (document.received.v1) and on every later change
(document.labels-changed.v1, the whole new set). The two come on two topics, to two consumers,
so a change may be handled before the delivery it changes: each set carries the moment it was
given, and the newest one wins whatever the order of arrival."""

from datetime import datetime

from worklist.domain.statuses import Stage


def supersedes(kept_at: datetime | None, given_at: datetime) -> bool:
    """Whether labels given at `given_at` replace the ones kept (given at `kept_at`, None when
    none are kept yet). The same moment replaces: a redelivered event changes nothing."""
    return kept_at is None or given_at >= kept_at


def follows_client_labels(stage: Stage) -> bool:
    """An open proposal takes the client's new labels; a sent or booked one keeps those it was
    sent with (the books have them)."""
    return stage == "open"
