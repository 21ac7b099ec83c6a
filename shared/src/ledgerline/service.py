"""How a Ledgerline service is assembled: pool, broker, consumers, outbox relay, HTTP app."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from faststream.kafka import KafkaBroker

from ledgerline.auth import TokenVerifier
from ledgerline.consumers import EventConsumer
from ledgerline.db import UnitOfWork, create_pool
from ledgerline.dossier_events import DIRECTORY_SUBSCRIPTIONS
from ledgerline.dossiers import (
    DIRECTORY_CONSUMER_SUFFIX,
    DIRECTORY_ROW_SQL,
    PostgresDossierDirectory,
)
from ledgerline.errors import install_openapi
from ledgerline.kafka import create_broker
from ledgerline.observability import configure_logging
from ledgerline.outbox_doorbell import RelayDoorbell
from ledgerline.outbox_wiring import (
    claim_check_parts,
    install_outbox_routes,
    outbox_relay_for,
    pruner_for,
)
from ledgerline.settings import ServiceSettings
from ledgerline.subscriptions import AnySubscription
from ledgerline.web import install_platform_routes

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServiceDefinition:
    name: str
    title: str
    description: str
    settings_type: type[ServiceSettings]
    versions_dir: Path
    routers: Sequence[APIRouter] = ()
    subscriptions: Callable[[Any], Sequence[AnySubscription]] = field(default=lambda _settings: ())
    # Keep a directory of the dossiers from sync's events (ledgerline.dossiers); False only for
    # sync, which owns the dossiers and answers from its own table.
    keeps_dossier_directory: bool = True
    # Servers besides the HTTP API that live as long as the service process (ingest's SMTP
    # intake): each is entered once the runtime has started and left before it stops.
    servers: Sequence[Callable[["Runtime"], AbstractAsyncContextManager[Any]]] = ()
    # The directory's row of a dossier (`PostgresDossierDirectory.row_sql`), for a service
    # whose requests need more of the dossier than its `dossiers` row.
    dossier_directory_row_sql: str = DIRECTORY_ROW_SQL


class Runtime:
    """The running parts of one service process."""

    def __init__(self, definition: ServiceDefinition, settings: ServiceSettings) -> None:
        self.definition = definition
        self.settings = settings
        self.broker: KafkaBroker = create_broker(
            settings.kafka_bootstrap_servers, client_id=f"ledgerline-{definition.name}"
        )
        self._pool: asyncpg.Pool | None = None
        self.doorbell: RelayDoorbell | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.claim_check, self.dataref_resolver = claim_check_parts(definition.name, settings)
        self.broker_connected = asyncio.Event()
        self.broker_problem: str | None = "connecting to Kafka"

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None, "the runtime is not started"
        return self._pool

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(
            self.pool,
            source=self.definition.name,
            claim_check=self.claim_check,
            doorbell=self.doorbell,
        )

    async def start(self, *, consumers: bool, relay: bool, prune: bool = False) -> None:
        """Opens the pool and registers the consumers, then connects to Kafka in the background:
        a service whose broker is down still starts, answers /healthz and reports /readyz 503
        until the broker comes (consumers and the relay begin then). With `prune`, the
        messaging tables are pruned past their retention (`ledgerline.message_retention`)."""
        self._pool = await create_pool(
            self.settings.database_url, self.settings.db_pool_min, self.settings.db_pool_max
        )
        self.doorbell = RelayDoorbell(self._pool)
        if consumers:
            consumer = EventConsumer(
                service=self.definition.name,
                pool=self.pool,
                broker=self.broker,
                max_attempts=self.settings.consumer_max_attempts,
                retry_backoff_seconds=self.settings.consumer_retry_backoff_seconds,
                claim_check=self.claim_check,
                dataref_resolver=self.dataref_resolver,
                batch_max_records=self.settings.consumer_batch_max_records,
                batch_timeout_ms=self.settings.consumer_batch_timeout_ms,
                fetch_min_bytes=self.settings.consumer_fetch_min_bytes,
                fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
                session_timeout_ms=self.settings.consumer_session_timeout_ms,
                heartbeat_interval_ms=self.settings.consumer_heartbeat_interval_ms,
                gather_ms=self.settings.consumer_gather_ms,
                linger_ms=self.settings.consumer_linger_ms,
                commit_interval_ms=self.settings.consumer_commit_interval_ms,
                doorbell=self.doorbell,
            )
            consumer.subscribe_all(self.definition.subscriptions(self.settings))
            if self.definition.keeps_dossier_directory:
                directory = f"{self.definition.name}.{DIRECTORY_CONSUMER_SUFFIX}"
                consumer.subscribe_all(DIRECTORY_SUBSCRIPTIONS, consumer=directory)
        self._tasks.append(
            asyncio.create_task(self._connect_then_relay(relay), name="kafka-connect")
        )
        if prune and self.settings.prune_interval_seconds:
            pruner = pruner_for(self.definition.name, self.pool, self.settings)
            self._tasks.append(asyncio.create_task(pruner.run(), name="pruner"))

    async def _connect_then_relay(self, relay: bool) -> None:
        await self.connect_broker()
        if relay:
            outbox_relay = outbox_relay_for(self.definition.name, self.pool, self.settings)
            self._tasks.append(asyncio.create_task(outbox_relay.run(), name="outbox-relay"))

    async def connect_broker(self) -> None:
        """Starts the broker (producer and subscriptions) once Kafka answers, retrying with a
        capped exponential backoff; every failed try is logged with the next wait."""
        servers = self.settings.kafka_bootstrap_servers
        delay = self.settings.kafka_connect_backoff_seconds
        attempt = 0
        while True:
            attempt += 1
            try:
                # A plain TCP probe first: aiokafka leaves an unclosed producer and logs an
                # error of its own on every refused bootstrap.
                await _any_reachable(servers)
                await asyncio.wait_for(self.broker.start(), timeout=60)
            except Exception as exc:
                self.broker_problem = f"not connected to Kafka at {servers}: {exc or repr(exc)}"
                with contextlib.suppress(Exception):
                    await self.broker.stop()
                log.warning(
                    "%s (try %d); trying again in %.1f s", self.broker_problem, attempt, delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.settings.kafka_connect_backoff_max_seconds)
                continue
            self.broker_problem = None
            self.broker_connected.set()
            log.info("connected to Kafka at %s after %d tries", servers, attempt)
            return

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        with contextlib.suppress(Exception):
            await self.broker.stop()
        await self.dataref_resolver.aclose()
        if self.doorbell is not None:
            await self.doorbell.rung()  # the relay of another process may be waiting for it
        if self._pool is not None:
            await self._pool.close()

    async def check_database(self) -> None:
        async with self.pool.acquire(timeout=2) as connection:
            await connection.fetchval("SELECT 1")

    async def check_broker(self) -> None:
        if not self.broker_connected.is_set():
            raise ConnectionError(self.broker_problem or "connecting to Kafka")
        if not await self.broker.ping(timeout=2):
            raise ConnectionError("Kafka did not answer")


async def _any_reachable(bootstrap_servers: str, timeout: float = 3) -> None:
    """Returns once a TCP connection to one of the bootstrap servers opens; raises otherwise."""
    problems = []
    for server in bootstrap_servers.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(host.strip("[]"), int(port)), timeout
            )
        except (OSError, TimeoutError, ValueError) as exc:
            problems.append(f"{server.strip()}: {exc or type(exc).__name__}")
            continue
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return
    raise ConnectionError("; ".join(problems))


def create_app(definition: ServiceDefinition, settings: ServiceSettings | None = None) -> FastAPI:
    resolved = settings or definition.settings_type()  # type: ignore[call-arg]
    configure_logging(definition.name, resolved.log_level)
    runtime = Runtime(definition, resolved)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        await runtime.start(
            consumers=resolved.run_consumers,
            relay=resolved.run_outbox_relay,
            prune=resolved.run_outbox_relay,
        )
        try:
            async with AsyncExitStack() as servers:
                for server in definition.servers:
                    await servers.enter_async_context(server(runtime))
                log.info("%s started", definition.name)
                yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=definition.title,
        description=definition.description,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = resolved
    app.state.runtime = runtime
    app.state.token_verifier = TokenVerifier.from_settings(resolved)
    app.state.dossier_directory = PostgresDossierDirectory(
        lambda: runtime.pool, definition.dossier_directory_row_sql
    )
    install_platform_routes(
        app,
        definition.name,
        {"database": runtime.check_database, "kafka": runtime.check_broker},
    )
    install_outbox_routes(app)
    for router in definition.routers:
        app.include_router(router)
    install_openapi(app)
    return app


async def get_runtime(request: Request) -> Runtime:
    # async: FastAPI runs a plain `def` dependency in its thread pool, a thread hop per request.
    return request.app.state.runtime  # type: ignore[no-any-return]


CurrentRuntime = Annotated[Runtime, Depends(get_runtime)]


async def run_relay(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    """The outbox relay alone, for scaling it apart from the API and consumers."""
    configure_logging(f"{definition.name}-relay", settings.log_level)
    runtime = Runtime(definition, settings)
    await runtime.start(consumers=False, relay=False, prune=True)
    try:
        await runtime.broker_connected.wait()
        relay = asyncio.create_task(outbox_relay_for(definition.name, runtime.pool, settings).run())
        await _until_terminated(relay)
    finally:
        await runtime.stop()


async def run_consumers(definition: ServiceDefinition, settings: ServiceSettings) -> None:
    """The service's Kafka consumers alone (no HTTP API, no relay), for running several
    processes of them: Kafka shares the topics' partitions among the processes of a consumer
    group. Events the handlers emit go to the outbox; the API process's relay (or `relay`)
    publishes them."""
    configure_logging(f"{definition.name}-consumer", settings.log_level)
    runtime = Runtime(definition, settings)
    await runtime.start(consumers=True, relay=False)
    try:
        await _until_terminated()
    finally:
        await runtime.stop()


async def _until_terminated(task: "asyncio.Task[None] | None" = None) -> None:
    """Until SIGTERM or SIGINT (or `task` ends), so the process leaves its consumer groups and
    closes its connections instead of dying mid-batch."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    waiting = asyncio.create_task(stop.wait())
    watched = {waiting} | ({task} if task is not None else set())
    try:
        await asyncio.wait(watched, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for pending in watched:
            pending.cancel()
        for pending in watched:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await pending
