"""Session fixtures: the real PostgreSQL and Kafka, started once per test run, the stack, and a
real S3-compatible server for the tests that need one."""

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from beancount import loader
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.s3 import LocalS3, S3Server, ensure_s3proxy_jars
from ledgerline.devstack.stack import Infrastructure, Stack
from ledgerline.testing.databases import MigratedDatabases

# Beancount's loader would leave a pickle cache beside a ledger it loads slowly, the packaged
# demo ledger included; the cache names the files it was made from, so a copy of the demo made
# later (with the cache) would load the demo's old entries instead of its own.
loader.initialize(use_cache=False)

# The services the tests start give a SIGKILLed consumer's partitions to its restarted process
# after 6 s of silence (the broker's minimum), not 10 s: the crash tests kill several.
os.environ.setdefault("LEDGERLINE_CONSUMER_SESSION_TIMEOUT_MS", "6000")
os.environ.setdefault("LEDGERLINE_CONSUMER_HEARTBEAT_INTERVAL_MS", "1500")


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
def migrated_databases(infrastructure: Infrastructure) -> MigratedDatabases:
    """Fresh databases at a service's migration head, copied from a template migrated once per
    session: `await migrated_databases.create(versions_dir)` or `async with
    migrated_databases.database(versions_dir) as url:`."""
    if infrastructure.postgres is None:
        pytest.skip("needs the local PostgreSQL (the environment names external databases)")
    return MigratedDatabases(infrastructure.postgres)


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


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    """A real S3-compatible server over HTTP: S3Proxy (from Maven Central, like Kafka) as a
    process of its own, or the one LEDGERLINE_S3_ENDPOINT_URL (with LEDGERLINE_S3_ACCESS_KEY and
    LEDGERLINE_S3_SECRET_KEY) names. Started only for the tests that ask for it."""
    external = os.environ.get("LEDGERLINE_S3_ENDPOINT_URL")
    if external:
        yield S3Server(
            external,
            os.environ["LEDGERLINE_S3_ACCESS_KEY"],
            os.environ["LEDGERLINE_S3_SECRET_KEY"],
        )
        return
    server = LocalS3(tmp_path_factory.mktemp("s3"), free_port(), ensure_s3proxy_jars())
    server.start()
    try:
        yield S3Server(server.endpoint_url, server.access_key, server.secret_key)
    finally:
        server.stop()
