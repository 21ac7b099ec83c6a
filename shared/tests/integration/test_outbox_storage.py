"""Every service stores its outbox payloads and claim-checked event data uncompressed: each is
written once, read once by the relay and pruned, and compressing a document.received.v1 that
carries its UBL invoice inline cost ingest's bulk intake more than half of its outbox insert."""

import importlib
import uuid

import asyncpg
import pytest
from ledgerline.testing.databases import MigratedDatabases

pytestmark = pytest.mark.integration

SERVICES = ("ingest", "recognition", "worklist", "approvals", "payments", "sync")


@pytest.mark.parametrize("service", SERVICES)
async def test_a_large_outbox_payload_is_stored_uncompressed(
    migrated_databases: MigratedDatabases, service: str
) -> None:
    definition = importlib.import_module(f"{service}.bootstrap").definition
    async with migrated_databases.database(definition().versions_dir) as url:
        connection = await asyncpg.connect(url)
        try:
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
        finally:
            await connection.close()
    assert [row[0] for row in compression] == [None, None]  # pglz before
