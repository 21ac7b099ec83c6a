"""Session fixtures: the real PostgreSQL and Kafka, started once per test run, and the stack."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from ledgerline.devstack.stack import Infrastructure, Stack


@pytest.fixture(scope="session")
def infrastructure(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Infrastructure]:
    infra = Infrastructure(tmp_path_factory.mktemp("infrastructure"))
    infra.start()
    try:
        asyncio.run(infra.create_topics())
        yield infra
    finally:
        infra.stop()


@pytest.fixture(scope="session")
async def stack(
    infrastructure: Infrastructure, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    """All six services as separate processes, with the demo office seeded."""
    running = Stack(tmp_path_factory.mktemp("stack"), infrastructure=infrastructure)
    try:
        await running.start()
        await running.seed_demo()
        yield running
    finally:
        running.stop()
        if os.environ.get("LEDGERLINE_SHOW_LOGS"):
            for service in running.services.values():
                print(await asyncio.to_thread(Path(service.log_path).read_text))
