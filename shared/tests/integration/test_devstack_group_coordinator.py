"""A fresh local broker is ready for consumer groups once the devstack has created the topics."""

import asyncio
import logging
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer
from ledgerline.devstack.kafka import LocalKafka, ensure_kafka_jars
from ledgerline.devstack.ports import free_ports

pytestmark = pytest.mark.integration


async def test_consumers_on_a_fresh_broker_find_their_group_coordinator_at_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port, controller_port = free_ports(2)
    kafka = LocalKafka(
        tmp_path / "kafka", port, controller_port, await asyncio.to_thread(ensure_kafka_jars)
    )
    await asyncio.to_thread(kafka.start)
    try:
        await kafka.create_topics(["coordinator.test.v1"])
        caplog.set_level(logging.INFO, logger="aiokafka")
        # as the services do: several groups joining at once, right after the devstack is up
        consumers = [
            AIOKafkaConsumer(
                "coordinator.test.v1",
                bootstrap_servers=kafka.bootstrap_servers,
                group_id=group,
                auto_offset_reset="earliest",
            )
            for group in ("ingest", "recognition", "worklist", "approvals", "payments", "sync")
        ]
        await asyncio.gather(*(consumer.start() for consumer in consumers))
        try:
            await asyncio.gather(*(consumer.getmany(timeout_ms=2000) for consumer in consumers))
            assert all(consumer.assignment() for consumer in consumers)
        finally:
            await asyncio.gather(*(consumer.stop() for consumer in consumers))
    finally:
        await asyncio.to_thread(kafka.stop)
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [e for e in errors if "GroupCoordinatorNotAvailable" in e], errors
