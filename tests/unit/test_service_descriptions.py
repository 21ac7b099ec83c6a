"""Each service's OpenAPI description says only what the service does today."""

import importlib

import pytest

# Features the descriptions once promised that no endpoint or consumer provides.
NOT_BUILT = {
    "ingest": [],
    "worklist": [],
    "approvals": [],
    "payments": ["direct debit"],
    "sync": [],
    "recognition": [],
}


@pytest.mark.parametrize("service", sorted(NOT_BUILT))
def test_the_description_promises_nothing_unbuilt(service: str) -> None:
    definition = importlib.import_module(f"{service}.bootstrap").definition()
    description = definition.description.lower()
    assert description
    for feature in NOT_BUILT[service]:
        assert feature not in description, f"{service} does not offer {feature}"
