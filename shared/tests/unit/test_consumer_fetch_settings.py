"""The consumer's fetch settings, and `EventConsumer` consumes as a service does."""

import inspect

from ledgerline.consumers import EventConsumer
from ledgerline.settings import ServiceSettings


def test_by_default_the_broker_answers_a_fetch_as_soon_as_a_message_comes() -> None:
    # Gathering costs every idle consumer a fetch per wait (measured: three times the idle CPU).
    assert ServiceSettings(database_url="postgresql://localhost/x").consumer_fetch_min_bytes == 1


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
    assert defaults["gather_ms"] == settings.consumer_gather_ms
    assert defaults["linger_ms"] == settings.consumer_linger_ms
