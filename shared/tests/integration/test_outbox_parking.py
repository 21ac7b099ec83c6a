"""No outbox row blocks the others: against the real Kafka and PostgreSQL.

A row the broker refuses is parked with its error (metric, admin endpoint, requeue) while the rows
behind it are published; a row that fails transiently is retried with backoff, never parked. And
the relay's rounds: a backlog drained batch by batch, a steady flow of commits claimed at the
relay's pace rather than once per commit; and two relays of one service taking turns, so that a
key's events reach the broker in their order.
"""

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from fastapi import FastAPI
from ledgerline.auth import Role, issue_token
from ledgerline.devstack.ports import free_port
from ledgerline.devstack.stack import Infrastructure
from ledgerline.outbox import OutboxRelay
from ledgerline.outbox_doorbell import OUTBOX_CHANNEL
from ledgerline.outbox_wiring import install_outbox_routes
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.kafka import records_from_beginning
from prometheus_client import REGISTRY

pytestmark = [pytest.mark.integration]

ISSUER = "ledgerline-dev"


async def create_topic(bootstrap: str, name: str, configs: dict[str, str] | None = None) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs=configs or {})])
    finally:
        await admin.close()


async def insert_row(
    ingest_pool: asyncpg.Pool | asyncpg.Connection, topic: str, key: str, payload: str
) -> int:
    row_id: int = await ingest_pool.fetchval(
        "INSERT INTO outbox (event_id, topic, message_key, payload, correlation_id)"
        " VALUES ($1, $2, $3, $4, $5) RETURNING id",
        uuid.uuid4(),
        topic,
        key,
        payload,
        f"flow-{key}",
    )
    return row_id


def event_payload(marker: str, size: int = 0) -> str:
    return json.dumps({"marker": marker, "padding": "x" * size})


async def eventually(probe: Callable[[], Awaitable[Any]], timeout: float = 45) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result:
            return result
        assert time.monotonic() < deadline, f"nothing after {timeout} s"
        await asyncio.sleep(0.2)


async def markers_on(bootstrap: str, topic: str) -> list[str]:
    """The markers of the messages on `topic`, read to the end it had when reading began."""
    markers: list[str] = []
    async with contextlib.aclosing(records_from_beginning(bootstrap, topic)) as records:
        async for record in records:
            markers.append(json.loads(record.value or b"{}")["marker"])
    return markers


async def status_of(ingest_pool: asyncpg.Pool, row_id: int) -> asyncpg.Record:
    return await ingest_pool.fetchrow(
        "SELECT published_at, parked_at, attempts, error_type, last_error, next_attempt_at"
        " FROM outbox WHERE id = $1",
        row_id,
    )


def admin_app(ingest_pool: asyncpg.Pool, service: str) -> FastAPI:
    app = FastAPI()
    app.state.settings = SimpleNamespace(jwt_secret=DEV_JWT_SECRET, jwt_issuer=ISSUER)
    app.state.runtime = SimpleNamespace(pool=ingest_pool, definition=SimpleNamespace(name=service))
    install_outbox_routes(app)
    return app


def bearer(role: Role) -> dict[str, str]:
    token = issue_token(
        secret=DEV_JWT_SECRET,
        subject=f"{role.value}@tests",
        office_id=uuid.uuid4(),
        role=role,
        dossiers=[],
        issuer=ISSUER,
    )
    return {"Authorization": f"Bearer {token}"}


async def run_relay(relay: OutboxRelay) -> asyncio.Task[None]:
    return asyncio.create_task(relay.run())


async def test_a_row_the_broker_refuses_is_parked_and_the_rows_behind_it_are_published(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    service = f"tests-{uuid.uuid4().hex[:6]}"
    topic = f"outbox-parking-{uuid.uuid4().hex[:8]}"
    # The broker refuses anything over 20 kB on this topic, as it refuses > 1 MiB by default.
    await create_topic(bootstrap, topic, {"max.message.bytes": "20000"})
    too_large = await insert_row(ingest_pool, topic, "dossier-a", event_payload("a1", 50_000))
    same_dossier_after = await insert_row(ingest_pool, topic, "dossier-a", event_payload("a2"))
    other_dossier = await insert_row(ingest_pool, topic, "dossier-b", event_payload("b1"))

    relay = OutboxRelay(ingest_pool, bootstrap, service=service, poll_seconds=0.2)
    task = await run_relay(relay)
    try:

        async def b_published() -> bool:
            return (await status_of(ingest_pool, other_dossier))["published_at"] is not None

        await eventually(b_published)
        await relay.refresh_metrics()
        parked = await status_of(ingest_pool, too_large)
        assert parked["parked_at"] is not None and parked["published_at"] is None
        assert parked["error_type"] == "MessageSizeTooLargeError"
        assert "MessageSizeTooLargeError" in parked["last_error"]
        # The parked row blocks nothing, not even its own dossier (see ledgerline.outbox: order).
        assert (await status_of(ingest_pool, same_dossier_after))["published_at"] is not None
        assert sorted(await markers_on(bootstrap, topic)) == ["a2", "b1"]
        gauge = REGISTRY.get_sample_value("ledgerline_outbox_parked_rows", {"service": service})
        assert gauge == 1

        transport = httpx.ASGITransport(app=admin_app(ingest_pool, service))
        async with httpx.AsyncClient(transport=transport, base_url="http://relay") as http:
            office_admin = await http.get("/platform/outbox/parked", headers=bearer(Role.ADMIN))
            assert office_admin.status_code == 403
            listed = await http.get("/platform/outbox/parked", headers=bearer(Role.OPERATOR))
            assert listed.status_code == 200, listed.text
            [entry] = listed.json()
            assert entry["id"] == too_large
            assert entry["dossier_id"] == "dossier-a"
            assert entry["correlation_id"] == "flow-dossier-a"
            assert entry["error_type"] == "MessageSizeTooLargeError"
            assert entry["size_bytes"] > 50_000
            assert "padding" not in json.dumps(entry), "the listing must not show event data"

            # The cause is fixed (the topic takes larger messages); the operator requeues.
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
            await admin.start()
            try:
                await admin.alter_configs(
                    [
                        ConfigResource(
                            ConfigResourceType.TOPIC, topic, {"max.message.bytes": "1048588"}
                        )
                    ]
                )
            finally:
                await admin.close()
            requeued = await http.post(
                f"/platform/outbox/parked/{too_large}/requeue", headers=bearer(Role.OPERATOR)
            )
            assert requeued.status_code == 200, requeued.text

            async def a1_published() -> bool:
                return (await status_of(ingest_pool, too_large))["published_at"] is not None

            await eventually(a1_published)
            again = await http.post(
                f"/platform/outbox/parked/{too_large}/requeue", headers=bearer(Role.OPERATOR)
            )
            assert again.status_code == 404
            assert (
                await http.get("/platform/outbox/parked", headers=bearer(Role.OPERATOR))
            ).json() == []
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    published = await markers_on(bootstrap, topic)
    assert sorted(published[:2]) == ["a2", "b1"] and published[2:] == ["a1"]


async def test_a_row_failing_transiently_is_retried_with_backoff_and_never_parked(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    ready_topic = f"outbox-ready-{uuid.uuid4().hex[:8]}"
    late_topic = f"outbox-late-{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, ready_topic)
    # `late_topic` does not exist yet (topics are not auto-created): a transient, retriable error.
    waiting = await insert_row(ingest_pool, late_topic, "dossier-a", event_payload("late"))
    flowing = [
        await insert_row(ingest_pool, ready_topic, f"dossier-{n}", event_payload(f"ready-{n}"))
        for n in range(3)
    ]

    relay = OutboxRelay(
        ingest_pool,
        bootstrap,
        service="tests",
        producer_options={"request_timeout_ms": 1500},
        poll_seconds=0.2,
        max_backoff_seconds=2,
    )
    task = await run_relay(relay)
    try:

        async def retried_twice() -> bool:
            return bool((await status_of(ingest_pool, waiting))["attempts"] >= 2)

        await eventually(retried_twice)
        state = await status_of(ingest_pool, waiting)
        assert state["parked_at"] is None and state["published_at"] is None
        assert state["error_type"] in ("UnknownTopicOrPartitionError", "KafkaTimeoutError")
        assert state["next_attempt_at"] is not None
        for row_id in flowing:
            assert (await status_of(ingest_pool, row_id))["published_at"] is not None

        await create_topic(bootstrap, late_topic)

        async def late_published() -> bool:
            return (await status_of(ingest_pool, waiting))["published_at"] is not None

        await eventually(late_published)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert (await status_of(ingest_pool, waiting))["parked_at"] is None
    assert await markers_on(bootstrap, late_topic) == ["late"]


async def forward(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while chunk := await reader.read(65536):
            writer.write(chunk)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def test_while_the_broker_is_unreachable_the_relay_backs_off_and_parks_nothing(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    """The relay bootstraps through a port where no broker answers yet; once a proxy to the
    broker listens there, the waiting rows go out."""
    host, port = infrastructure.bootstrap_servers.split(",")[0].rsplit(":", 1)
    entry = free_port()
    topic = f"outbox-outage-{uuid.uuid4().hex[:8]}"
    await create_topic(infrastructure.bootstrap_servers, topic)
    rows = [
        await insert_row(ingest_pool, topic, f"dossier-{n}", event_payload(f"m{n}"))
        for n in range(3)
    ]

    relay = OutboxRelay(
        ingest_pool,
        f"127.0.0.1:{entry}",
        service="tests",
        producer_options={"request_timeout_ms": 2000},
        poll_seconds=0.2,
        max_backoff_seconds=1.6,
    )
    caplog.set_level(logging.WARNING, logger="ledgerline.outbox")
    task = await run_relay(relay)
    proxy: asyncio.Server | None = None
    try:

        def backoffs() -> list[float]:
            return [
                float(record.getMessage().split("retrying in ")[1].split(" s")[0])
                for record in caplog.records
                if "publishing failed" in record.getMessage()
            ]

        async def capped() -> bool:  # backed off up to its maximum
            return len(backoffs()) >= 3 and 1.6 in backoffs()

        await eventually(capped, 30)
        delays = backoffs()
        assert len(delays) >= 3, delays
        assert delays[:4] == sorted(delays[:4]) and max(delays) == 1.6, delays
        for row_id in rows:
            state = await status_of(ingest_pool, row_id)
            assert state["parked_at"] is None and state["published_at"] is None
            assert state["attempts"] == 0, "an outage is not the rows' fault"

        async def to_broker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
            await asyncio.gather(forward(reader, upstream_writer), forward(upstream_reader, writer))

        proxy = await asyncio.start_server(to_broker, "127.0.0.1", entry)

        async def all_published() -> bool:
            states = [await status_of(ingest_pool, row_id) for row_id in rows]
            return all(state["published_at"] is not None for state in states)

        await eventually(all_published)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if proxy is not None:
            proxy.close()
    assert sorted(await markers_on(infrastructure.bootstrap_servers, topic)) == ["m0", "m1", "m2"]


async def only_rows_of_a_new_topic(bootstrap: str, pool: asyncpg.Pool, prefix: str) -> str:
    """A new topic, and every row left unpublished by other tests marked published: a test's
    relay then claims its own rows only."""
    topic = f"{prefix}-{uuid.uuid4().hex[:8]}"
    await create_topic(bootstrap, topic)
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    return topic


async def a_new_topic_with_rows(
    bootstrap: str, pool: asyncpg.Pool, prefix: str, markers: list[str]
) -> str:
    """`only_rows_of_a_new_topic`, with one unpublished row of dossier-a per marker, in order."""
    topic = await only_rows_of_a_new_topic(bootstrap, pool, prefix)
    for marker in markers:
        await insert_row(pool, topic, "dossier-a", event_payload(marker))
    return topic


class CountingRelay(OutboxRelay):
    """Records what each claim settled."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.claims: list[int] = []

    async def publish_pending(self) -> int:
        settled = await super().publish_pending()
        self.claims.append(settled)
        return settled


async def test_a_backlog_is_drained_batch_by_batch_and_a_wake_up_claims_no_more_than_it_needs(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    topic = await a_new_topic_with_rows(
        bootstrap, ingest_pool, "outbox-drain", [f"backlog-{n}" for n in range(5)]
    )

    # No poll within the test: only the drain and the NOTIFY of a commit move rows.
    relay = CountingRelay(
        ingest_pool, bootstrap, service="tests-drain", batch_size=2, poll_seconds=600
    )
    task = await run_relay(relay)
    try:
        await eventually(lambda: _count_published(ingest_pool, topic, 5), timeout=30)
        await asyncio.sleep(0.5)
        # 2 + 2 + 1: the batch that was not full ends the drain, no empty claim behind it.
        assert relay.claims == [2, 2, 1]

        await insert_row(ingest_pool, topic, "dossier-a", event_payload("woken"))
        await ingest_pool.execute(f"NOTIFY {OUTBOX_CHANNEL}")
        await eventually(lambda: _count_published(ingest_pool, topic, 6), timeout=30)
        await asyncio.sleep(0.5)
        assert relay.claims == [2, 2, 1, 1]
        assert sorted(await markers_on(bootstrap, topic)) == sorted(
            [f"backlog-{n}" for n in range(5)] + ["woken"]
        )
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _count_published(pool: asyncpg.Pool, topic: str, wanted: int) -> bool:
    published = await pool.fetchval(
        "SELECT count(*) FROM outbox WHERE topic = $1 AND published_at IS NOT NULL", topic
    )
    return bool(published == wanted)


async def test_under_a_steady_flow_of_commits_the_relay_claims_at_its_pace_not_per_commit(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool
) -> None:
    bootstrap = infrastructure.bootstrap_servers
    topic = await only_rows_of_a_new_topic(bootstrap, ingest_pool, "outbox-pace")
    relay = CountingRelay(
        ingest_pool,
        bootstrap,
        service="tests-pace",
        poll_seconds=600,
        linger_seconds=0.005,
        round_interval_seconds=0.25,
    )
    task = await run_relay(relay)
    try:
        began = time.monotonic()
        commits = 0
        while time.monotonic() - began < 1.0:  # a commit with its NOTIFY every 10 ms or so
            async with ingest_pool.acquire() as connection, connection.transaction():
                await insert_row(connection, topic, "dossier-a", event_payload(f"m{commits}"))
                await connection.execute(f"NOTIFY {OUTBOX_CHANNEL}")
            commits += 1
            await asyncio.sleep(0.01)
        flow_seconds = time.monotonic() - began
        await eventually(lambda: _count_published(ingest_pool, topic, commits), timeout=30)
        assert commits >= 40
        # One claim per 0.25 s of flow (and the one behind it), not one per commit.
        assert 2 <= len(relay.claims) <= flow_seconds / 0.25 + 3, relay.claims
        assert sum(relay.claims) == commits

        await asyncio.sleep(0.5)  # quiet: the next commit is claimed after the linger alone
        rounds = len(relay.claims)
        await insert_row(ingest_pool, topic, "dossier-a", event_payload("after-quiet"))
        await ingest_pool.execute(f"NOTIFY {OUTBOX_CHANNEL}")
        await eventually(lambda: _count_published(ingest_pool, topic, commits + 1), timeout=30)
        assert relay.claims[rounds:] == [1]
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _holding_a_claim(pool: asyncpg.Pool) -> bool:
    """Whether a relay's claim transaction is open (it holds its batch before publishing)."""
    waiting: int = await pool.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND state = 'idle in transaction'"
    )
    return waiting > 0


async def test_two_relays_of_one_service_take_turns_and_keep_the_order_of_a_key(
    infrastructure: Infrastructure, ingest_pool: asyncpg.Pool
) -> None:
    """Every `serve` replica runs a relay. While one holds a claimed batch, a second must not
    claim the rows behind it: it would publish them first, and a dossier's later event would
    reach its consumers before the earlier one."""
    bootstrap = infrastructure.bootstrap_servers
    topic = await a_new_topic_with_rows(
        bootstrap, ingest_pool, "outbox-turns", [f"event-{n}" for n in range(4)]
    )
    first = OutboxRelay(
        ingest_pool, bootstrap, service="tests-first", batch_size=2, hold_after_claim_seconds=3
    )
    second = OutboxRelay(ingest_pool, bootstrap, service="tests-second", batch_size=2)
    try:
        first_round = asyncio.create_task(first.publish_pending())
        await eventually(lambda: _holding_a_claim(ingest_pool), timeout=10)

        assert await second.publish_pending() == 0  # not its turn: event-2 waits for event-0
        assert await first_round == 2
        assert await second.publish_pending() == 2

        assert await markers_on(bootstrap, topic) == [f"event-{n}" for n in range(4)]
    finally:
        await first.close()
        await second.close()
