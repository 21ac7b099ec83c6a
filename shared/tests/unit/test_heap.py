"""A service process keeps what starting made out of the cyclic collector's full collections."""

import argparse
import gc
import weakref
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from ledgerline.heap import long_lived_after_startup
from ledgerline.service_cli import add_service_commands


@pytest.fixture(autouse=True)
def _unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


class _Node:
    def __init__(self) -> None:
        self.me = self


def test_startup_runs_without_the_collector_and_its_survivors_are_frozen() -> None:
    gc.unfreeze()
    with long_lived_after_startup():
        assert not gc.isenabled()
        kept = [object() for _ in range(10)]
        garbage = _Node()  # a cycle: only the collector frees it
        gone = weakref.ref(garbage)
        del garbage
        assert gone() is not None
    assert gc.isenabled()
    assert gone() is None, "what starting left unreachable is collected before the freeze"
    assert gc.get_freeze_count() >= len(kept)


def test_the_consume_command_runs_its_consumers_with_the_startup_frozen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    gc.unfreeze()
    seen: dict[str, Any] = {}

    async def run_consumers(definition: Any, settings: Any) -> None:
        seen.update(enabled=gc.isenabled(), frozen=gc.get_freeze_count(), settings=settings)

    monkeypatch.setattr("ledgerline.service.run_consumers", run_consumers)
    definition = SimpleNamespace(name="demo", settings_type=lambda: "the settings")
    parser = argparse.ArgumentParser()
    add_service_commands(parser.add_subparsers(dest="command"), lambda: definition)
    args = parser.parse_args(["consume"])

    assert args.func(args) == 0
    assert seen == {"enabled": True, "frozen": seen["frozen"], "settings": "the settings"}
    assert seen["frozen"] > 1000  # the modules, classes and functions loaded so far
