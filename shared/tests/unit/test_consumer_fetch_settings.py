"""The consumer's fetch settings: a consumer batches at moderate rates without polling past
the fetch the broker holds for it, and `EventConsumer` consumes as a service does."""

import inspect

from ledgerline.consumers import EventConsumer
from ledgerline.settings import ServiceSettings


def test_a_consumer_awaits_the_fetch_the_broker_holds_for_it() -> None:
    settings = ServiceSettings(database_url="postgresql://localhost/x")
    # The broker gathers messages for a fetch (several per transaction and offset commit)...
    assert settings.consumer_fetch_min_bytes > 1
    # ...for at most this long, the latency it adds per consumer on a message's way...
    assert settings.consumer_fetch_max_wait_ms <= 100
    # ...and the poll outlasts that wait: a poll that gave up first would sleep as long again
    # (FastStream's batch subscriber) while the gathered messages sit in the client.
    assert settings.consumer_batch_timeout_ms > settings.consumer_fetch_max_wait_ms


def test_event_consumer_defaults_are_the_service_settings() -> None:
    settings = ServiceSettings(database_url="postgresql://localhost/x")
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(EventConsumer).parameters.items()
    }
    assert defaults["batch_max_records"] == settings.consumer_batch_max_records
    assert defaults["batch_timeout_ms"] == settings.consumer_batch_timeout_ms
    assert defaults["fetch_min_bytes"] == settings.consumer_fetch_min_bytes
    assert defaults["fetch_max_wait_ms"] == settings.consumer_fetch_max_wait_ms
