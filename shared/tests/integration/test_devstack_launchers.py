"""The local-stack launchers against the real thing: PostgreSQL and a KRaft Kafka, no mocks."""

from __future__ import annotations

import asyncio
import socket
import uuid
from pathlib import Path

import asyncpg
import psutil
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from ledgerline.devstack.kafka import KAFKA_VERSION, LocalKafka, ensure_kafka_jars
from ledgerline.devstack.ports import free_port, free_ports
from ledgerline.devstack.postgres import LocalPostgres

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _processes_mentioning(path: Path) -> list[int]:
    found = []
    for proc in psutil.process_iter(["pid", "cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if any(str(path) in part for part in cmdline) and _alive(proc.info["pid"]):
            found.append(proc.info["pid"])
    return found


def _server_pids(pid: int | None) -> list[int]:
    assert pid is not None
    return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]


# ---------------------------------------------------------------------- PostgreSQL


async def test_postgres_gives_each_service_its_own_database(tmp_path: Path) -> None:
    pg = LocalPostgres(tmp_path / "pg", free_port())
    await asyncio.to_thread(pg.start)
    try:
        pids = _server_pids(pg.pid)
        await asyncio.to_thread(pg.start)  # idempotent: same server
        assert pg.pid == pids[0]

        dsn_a = await pg.ensure_database("alpha", "alpha_svc", "secret a'1")
        dsn_b = await pg.ensure_database("beta", "beta_svc", "secret-b")
        assert await pg.ensure_database("alpha", "alpha_svc", "secret a'1") == dsn_a
        assert dsn_a == f"postgresql://alpha_svc:secret%20a%271@127.0.0.1:{pg.port}/alpha"

        for dsn, user, database in ((dsn_a, "alpha_svc", "alpha"), (dsn_b, "beta_svc", "beta")):
            conn = await asyncpg.connect(dsn)
            try:
                row = await conn.fetchrow("SELECT current_user AS u, current_database() AS d")
                assert (row["u"], row["d"]) == (user, database)
                await conn.execute("CREATE TABLE owned (id int)")  # the role owns its database
            finally:
                await conn.close()

        # role A cannot open database B, and the other way round
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(dsn_a.rsplit("/", 1)[0] + "/beta")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await asyncpg.connect(dsn_b.rsplit("/", 1)[0] + "/alpha")
        # TCP needs the password; the unix socket inside data_dir trusts
        with pytest.raises(asyncpg.InvalidPasswordError):
            await asyncpg.connect(f"postgresql://alpha_svc:wrong@127.0.0.1:{pg.port}/alpha")
        conn = await asyncpg.connect(
            host=str(pg.socket_dir), port=pg.port, user="postgres", database="postgres"
        )
        try:
            assert await conn.fetchval("SHOW listen_addresses") == "127.0.0.1"
            assert await conn.fetchval("SHOW max_connections") == "200"
            assert await conn.fetchval("SHOW server_encoding") == "UTF8"
        finally:
            await conn.close()
        assert pg.socket_dir.is_relative_to(pg.data_dir)

        await pg.drop_database("beta")
        await pg.drop_database("beta")  # idempotent
        with pytest.raises(asyncpg.InvalidCatalogNameError):
            await asyncpg.connect(pg.superuser_dsn.rsplit("/", 1)[0] + "/beta")
    finally:
        await asyncio.to_thread(pg.stop)

    assert not any(_alive(pid) for pid in pids)
    assert _processes_mentioning(pg.pgdata) == []
    assert pg.pid is None
    pg.stop()  # idempotent

    # warm start on the same data directory, as a context manager: the data is still there
    with LocalPostgres(tmp_path / "pg", free_port()) as again:
        conn = await asyncpg.connect(dsn_a.replace(f":{pg.port}/", f":{again.port}/"))
        try:
            assert await conn.fetchval("SELECT count(*) FROM owned") == 0
        finally:
            await conn.close()
        pids = _server_pids(again.pid)
    assert not any(_alive(pid) for pid in pids)


# ---------------------------------------------------------------------- Kafka


async def test_kafka_round_trip(tmp_path: Path) -> None:
    libs = await asyncio.to_thread(ensure_kafka_jars)
    assert (libs / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file()
    assert any(jar.name.startswith("log4j-slf4j-impl-") for jar in libs.glob("*.jar"))

    port, controller_port = free_ports(2)
    kafka = LocalKafka(tmp_path / "kafka", port, controller_port, libs)
    await asyncio.to_thread(kafka.start)
    pid = kafka.pid
    assert pid is not None
    try:
        assert kafka.bootstrap_servers == f"127.0.0.1:{port}"
        # a second launcher on the same data directory reuses the running broker
        same = LocalKafka(tmp_path / "kafka", port, controller_port, libs)
        await asyncio.to_thread(same.start)
        assert same.pid == pid

        topic = f"devstack.test.{uuid.uuid4().hex[:8]}"
        await kafka.create_topics([topic], partitions=3)
        await kafka.create_topics([topic])  # already exists: fine

        producer = AIOKafkaProducer(
            bootstrap_servers=kafka.bootstrap_servers, enable_idempotence=True, acks="all"
        )
        await producer.start()
        try:
            sent = await producer.send_and_wait(topic, b"hello ledgerline", key=b"k1")
        finally:
            await producer.stop()

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=kafka.bootstrap_servers,
            group_id=f"devstack-test-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        try:
            message = await asyncio.wait_for(consumer.getone(), timeout=60)
            await consumer.commit()
        finally:
            await consumer.stop()
        assert (message.key, message.value) == (b"k1", b"hello ledgerline")
        assert (message.partition, message.offset) == (sent.partition, sent.offset)

        # the broker logs to files in its data dir, not to our console
        server_log = tmp_path / "kafka" / "logs" / "server.log"
        assert "Kafka Server started" in server_log.read_text()
        assert "SLF4J" not in (tmp_path / "kafka" / "kafka.out").read_text()
    finally:
        await asyncio.to_thread(kafka.stop)

    assert not _alive(pid)
    assert not kafka.pid_file.exists()
    assert _processes_mentioning(kafka.properties_file) == []
    kafka.stop()  # idempotent

    # warm start of the same data directory, as a context manager
    with LocalKafka(tmp_path / "kafka", *free_ports(2), libs) as again:
        await again.create_topics([topic])
        second_pid = again.pid
    assert second_pid is not None and not _alive(second_pid)


async def test_kafka_start_failure_reports_the_log(tmp_path: Path) -> None:
    libs = await asyncio.to_thread(ensure_kafka_jars)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        kafka = LocalKafka(tmp_path / "kafka", port, free_port(), libs)
        with pytest.raises(RuntimeError, match="exited") as failure:
            await asyncio.to_thread(kafka.start, 60)
    assert "server.log" in str(failure.value)
    assert kafka.pid is None
    assert _processes_mentioning(kafka.properties_file) == []
