"""Every service stores its outbox payloads and claim-checked event data uncompressed: each is
written once, read once by the relay and pruned, and compressing a document.received.v1 that
carries its UBL invoice inline cost ingest's bulk intake more than half of its outbox insert.
ANALYZE skips them (and reads the keys)."""

import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest
from ledgerline.testing.databases import MigratedDatabases

pytestmark = pytest.mark.integration

SERVICES = ("ingest", "recognition", "worklist", "approvals", "payments", "sync")


@contextlib.asynccontextmanager
async def migrated(
    migrated_databases: MigratedDatabases, service: str
) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a fresh database migrated to `service`'s schema."""
    definition = importlib.import_module(f"{service}.bootstrap").definition
    async with migrated_databases.database(definition().versions_dir) as url:
        connection = await asyncpg.connect(url)
        try:
            yield connection
        finally:
            await connection.close()


@pytest.mark.parametrize("service", SERVICES)
async def test_a_large_outbox_payload_is_stored_uncompressed(
    migrated_databases: MigratedDatabases, service: str
) -> None:
    async with migrated(migrated_databases, service) as connection:
        payload = '{"data": "' + "<cbc:ID>INV-1</cbc:ID>" * 500 + '"}'  # 11 KB, compressible
        await connection.execute(
            "INSERT INTO outbox (event_id, topic, message_key, payload) VALUES ($1, 't', 'k', $2)",
            uuid.uuid4(),
            payload,
        )
        await connection.execute(
            "INSERT INTO event_data (event_id, office_id, dossier_id, data)"
            " VALUES ($1, $1, $1, $2)",
            uuid.uuid4(),
            payload,
        )
        compression = await connection.fetch(
            "SELECT pg_column_compression(payload) FROM outbox"
            " UNION ALL SELECT pg_column_compression(data) FROM event_data"
        )
    assert [row[0] for row in compression] == [None, None]  # pglz before


@pytest.mark.parametrize("service", SERVICES)
async def test_analyze_skips_the_payloads_and_keeps_the_statistics_of_the_keys(
    migrated_databases: MigratedDatabases, service: str
) -> None:
    async with migrated(migrated_databases, service) as connection:
        await connection.execute(
            "INSERT INTO outbox (event_id, topic, message_key, payload)"
            " SELECT gen_random_uuid(), 't', 'k', repeat('x', 3000) FROM generate_series(1, 50)"
        )
        await connection.execute("ANALYZE outbox")
        analyzed = {
            row["attname"]
            for row in await connection.fetch(
                "SELECT attname FROM pg_stats WHERE tablename = 'outbox'"
            )
        }
        skipped = await connection.fetch(
            "SELECT c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
            " WHERE a.attstattarget = 0 AND c.relname IN ('outbox', 'event_data')"
        )
    assert {"event_id", "topic"} <= analyzed
    assert "payload" not in analyzed  # analyzed (read, detoasted and sorted) before
    assert {(row["relname"], row["attname"]) for row in skipped} == {
        ("outbox", "payload"),
        ("event_data", "data"),
    }
