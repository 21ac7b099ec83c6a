"""Two handlers of one event in one consumer group would split the topic's partitions between
them (each seeing part of the events) and share one inbox (the second skipped as a redelivery):
within a service, every (consumer group, event) pair is subscribed once."""

import importlib
from collections import Counter

import pytest
from ledgerline.settings import ServiceSettings

SERVICES = ["ingest", "recognition", "worklist", "approvals", "payments", "sync"]


@pytest.mark.parametrize("service", SERVICES)
def test_no_event_is_handled_twice_in_one_consumer_group(service: str) -> None:
    definition = importlib.import_module(f"{service}.bootstrap").definition()
    settings: ServiceSettings = definition.settings_type(database_url="postgresql://x@h/d")  # type: ignore[call-arg]
    pairs = Counter(
        (subscription.consumer or definition.name, subscription.event)
        for subscription in definition.subscriptions(settings)
    )
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_the_worklist_keeps_its_read_models_in_groups_of_their_own() -> None:
    definition = importlib.import_module("worklist.bootstrap").definition()
    settings = definition.settings_type(database_url="postgresql://x@h/d")  # type: ignore[call-arg]
    groups = {
        (subscription.event.__name__, subscription.consumer)
        for subscription in definition.subscriptions(settings)
        if subscription.consumer
    }
    assert groups == {
        ("ProposalValidated", "worklist.suggestions"),
        ("BookingPosted", "worklist.suggestions"),
        ("DossierActivated", "worklist.dossier-settings"),
        ("DossierUpdated", "worklist.dossier-settings"),
    }


# The events every document brings, each once or more on its way to a proposal.
PER_DOCUMENT_EVENTS = {"DocumentReceived", "DocumentRecognized", "DocumentSubmitted"}


@pytest.mark.parametrize("service", SERVICES)
def test_the_events_of_every_document_are_fetched_apart_from_the_quiet_topics(
    service: str,
) -> None:
    # In the group of a dozen quiet topics, each fetch would list all their partitions too.
    definition = importlib.import_module(f"{service}.bootstrap").definition()
    settings: ServiceSettings = definition.settings_type(database_url="postgresql://x@h/d")  # type: ignore[call-arg]
    read_with_the_quiet_ones = [
        subscription.event.__name__
        for subscription in definition.subscriptions(settings)
        if subscription.event.__name__ in PER_DOCUMENT_EVENTS
        and not subscription.per_document
        and not getattr(subscription, "gathered", False)
    ]
    assert read_with_the_quiet_ones == []
