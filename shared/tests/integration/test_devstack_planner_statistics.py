"""The local stack's PostgreSQL analyzes a table that grows from empty within seconds.

The services prepare their statements on brand-new databases, and PostgreSQL keeps a prepared
statement's generic plan until the table's statistics change. Planned without statistics,
ingest's `UPDATE documents ... WHERE office_id = $1 AND id = $2` took the index led by
`office_id` as readily as the primary key, and then scanned a whole office's documents on every
update (3.6 ms instead of 0.2 in the pipeline benchmark) until autovacuum first analyzed the
table: a minute and more with the default naptime, longer than a benchmark run.
"""

import asyncio

import asyncpg
import pytest

pytestmark = pytest.mark.integration


async def test_a_table_grown_from_empty_is_analyzed_within_seconds(fresh_database: str) -> None:
    connection = await asyncpg.connect(fresh_database)
    try:
        await connection.execute(
            """
            CREATE TABLE documents (id uuid PRIMARY KEY, office_id uuid NOT NULL);
            INSERT INTO documents
                SELECT gen_random_uuid(), gen_random_uuid() FROM generate_series(1, 5000);
            """
        )
        deadline = asyncio.get_running_loop().time() + 30
        while not await connection.fetchval(
            "SELECT reltuples FROM pg_class WHERE relname = 'documents' AND reltuples > 0"
        ):
            assert asyncio.get_running_loop().time() < deadline, "never analyzed in 30 s"
            await asyncio.sleep(0.5)
    finally:
        await connection.close()
