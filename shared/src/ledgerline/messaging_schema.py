"""The outbox and inbox tables every service's first migration creates."""

from collections.abc import Iterable

OUTBOX_INBOX_DDL = """
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    event_id     uuid        NOT NULL UNIQUE,
    topic        text        NOT NULL,
    message_key  text        NOT NULL,
    payload      text        NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    topic        text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
"""

DROP_OUTBOX_INBOX_DDL = "DROP TABLE inbox; DROP TABLE outbox;"

# Migration "0003_outbox" of every service: parking for outbox rows that can never be published,
# per-row retry state, and the claim-check table for event data too large to travel inline.
OUTBOX_PARKING_CLAIM_CHECK_DDL = """
ALTER TABLE outbox
    ADD COLUMN office_id       uuid,
    ADD COLUMN correlation_id  text,
    ADD COLUMN attempts        integer NOT NULL DEFAULT 0,
    ADD COLUMN next_attempt_at timestamptz,
    ADD COLUMN last_error      text,
    ADD COLUMN error_type      text,
    ADD COLUMN parked_at       timestamptz;
DROP INDEX outbox_unpublished;
CREATE INDEX outbox_due ON outbox (id) WHERE published_at IS NULL AND parked_at IS NULL;
CREATE INDEX outbox_parked ON outbox (id) WHERE parked_at IS NOT NULL AND published_at IS NULL;

-- Claim check: the data of an event too large to travel inline, served at the envelope's dataref.
CREATE TABLE event_data (
    event_id   uuid        PRIMARY KEY,
    office_id  uuid        NOT NULL,
    dossier_id uuid        NOT NULL,
    data       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
"""

DROP_OUTBOX_PARKING_CLAIM_CHECK_DDL = """
DROP TABLE event_data;
DROP INDEX outbox_parked;
DROP INDEX outbox_due;
ALTER TABLE outbox
    DROP COLUMN office_id,
    DROP COLUMN correlation_id,
    DROP COLUMN attempts,
    DROP COLUMN next_attempt_at,
    DROP COLUMN last_error,
    DROP COLUMN error_type,
    DROP COLUMN parked_at;
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;
"""

# Migration "outbox uncompressed" of every service: an event's payload is written once, read once
# by the relay and soon pruned, so PostgreSQL compressing it (pglz, on every row over ~2 KB: a
# document.received.v1 carries a UBL invoice inline) cost CPU for nothing. Measured on the
# benchmark's bulk intake: ingest's outbox insert 1.96 -> 0.80 s of PostgreSQL for 3,000 events.
OUTBOX_UNCOMPRESSED_DDL = """
ALTER TABLE outbox ALTER COLUMN payload SET STORAGE EXTERNAL;
ALTER TABLE event_data ALTER COLUMN data SET STORAGE EXTERNAL;
"""

DROP_OUTBOX_UNCOMPRESSED_DDL = """
ALTER TABLE outbox ALTER COLUMN payload SET STORAGE EXTENDED;
ALTER TABLE event_data ALTER COLUMN data SET STORAGE EXTENDED;
"""

# Migration "no planner statistics for document-valued columns" of every service: ANALYZE read,
# detoasted and sorted every sampled payload, invoice and recognition, for statistics no query
# uses (none filters, joins or sorts on them). The local stack analyzes a growing table every
# few seconds (see `ledgerline.devstack.postgres`), and during a benchmark run of 6,000
# invoices autovacuum's ANALYZE took 3-12 % of the machine's CPU, worklist's proposals 250 ms a
# time. A column whose statistics target is 0 is skipped by ANALYZE.
MESSAGE_PAYLOAD_COLUMNS = (("outbox", "payload"), ("event_data", "data"))


def without_planner_statistics(columns: Iterable[tuple[str, str]]) -> str:
    """DDL: ANALYZE skips these (table, column)s."""
    return "".join(
        f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS 0;\n"
        for table, column in columns
    )


def with_default_planner_statistics(columns: Iterable[tuple[str, str]]) -> str:
    """DDL: these (table, column)s analyzed again (the downgrade)."""
    return "".join(
        f"ALTER TABLE {table} ALTER COLUMN {column} SET STATISTICS -1;\n"
        for table, column in columns
    )
