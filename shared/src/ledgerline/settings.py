"""Settings every service shares; each service subclasses with its own env prefix."""

from typing import Self

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_JWT_SECRET = "ledgerline-local-development-signing-key-not-for-production"


class ServiceSettings(BaseSettings):
    """Read from the environment at start. Service-specific names use the service's prefix
    (e.g. `INGEST_DATABASE_URL`); platform-wide names are unprefixed."""

    model_config = SettingsConfigDict(extra="ignore")

    database_url: str = Field(description="postgresql://user:password@host:port/database")
    db_pool_min: int = 1
    db_pool_max: int = 10
    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
    )
    jwt_secret: str = Field(
        default=DEV_JWT_SECRET,
        validation_alias=AliasChoices("LEDGERLINE_JWT_SECRET"),
        description="HS256 key of development tokens (default: the public development key); "
        "empty: HS256 tokens are refused",
    )
    jwt_issuer: str = Field(
        default="ledgerline-dev", validation_alias=AliasChoices("LEDGERLINE_JWT_ISSUER")
    )
    jwt_jwks_url: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LEDGERLINE_JWT_JWKS_URL"),
        description="JWKS URL of an OpenID Connect issuer: its RS256/ES256 tokens are accepted",
    )
    jwt_jwks_issuer: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LEDGERLINE_JWT_JWKS_ISSUER"),
        description="The `iss` the OpenID Connect issuer's tokens must carry",
    )
    jwt_audience: str | None = Field(
        default=None,
        validation_alias=AliasChoices("LEDGERLINE_JWT_AUDIENCE"),
        description="The `aud` the OpenID Connect issuer's tokens must carry",
    )
    jwt_jwks_cache_seconds: float = Field(
        default=300,
        gt=0,
        validation_alias=AliasChoices("LEDGERLINE_JWT_JWKS_CACHE_SECONDS"),
        description="How long the issuer's keys are used before they are fetched again",
    )
    log_level: str = Field(default="INFO", validation_alias=AliasChoices("LEDGERLINE_LOG_LEVEL"))
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="How other services reach this one"
    )
    run_consumers: bool = Field(
        default=True,
        description="The `serve` process consumes events too; false when `<service> consume` "
        "processes do",
    )
    run_outbox_relay: bool = True
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = Field(default=0.2, ge=0)
    consumer_batch_max_records: int = Field(
        default=100,
        ge=1,
        description="Messages a consumer takes from Kafka at once and handles in one transaction",
    )
    consumer_batch_timeout_ms: int = Field(
        default=5000,
        ge=1,
        description="How long an idle consumer's poll waits for messages before it polls again "
        "(a message that comes is handled at once, so longer means fewer idle wake-ups, not "
        "more latency)",
    )
    consumer_fetch_min_bytes: int = Field(
        default=1,
        ge=1,
        description="Bytes the broker gathers for a consumer's fetch before it answers (or "
        "`consumer_fetch_max_wait_ms` passes). 1 (default): it answers as soon as a message "
        "comes. More (e.g. 32768 with a wait of 100 ms and a batch timeout of 150 ms): at "
        "moderate rates a consumer handles several messages per transaction and offset commit "
        "(measured: a third of the consumers' CPU per message), but every idle consumer then "
        "fetches every `consumer_fetch_max_wait_ms`, which costs the broker and the consumers "
        "about 25 ms of CPU per second per consumer (12 partitions a topic)",
    )
    consumer_fetch_max_wait_ms: int = Field(
        default=2000,
        ge=1,
        le=20_000,  # a held fetch must stay well under aiokafka's 40 s request timeout
        description="How long the broker holds a consumer's fetch while it has fewer than "
        "`consumer_fetch_min_bytes` (with 1: an idle consumer's fetch; it answers at once when "
        "a message comes). Longer means fewer idle fetches (measured: 8 s took the broker's "
        "idle CPU with two consume processes a service from 74 to 53-62 ms a second), but "
        "aiokafka keeps one fetch in flight per broker: a partition whose records were still "
        "buffered when that fetch went out (after a burst of more than a batch) is fetched "
        "again only when it returns, up to this long",
    )
    consumer_gather_ms: int = Field(
        default=1000,
        ge=0,
        le=10_000,  # a held fetch must stay well under aiokafka's 40 s request timeout
        description="How long the broker gathers the events of a `gathered` subscription (one "
        "that comes with every document and that no document or user waits for, e.g. "
        "approvals' copy of document.received.v1) before its consumer fetches them: at a "
        "steady flow one batch, transaction and offset commit per period instead of one per "
        "message (measured: those services' CPU per document a third of before). Their effects "
        "come up to this much later; under load, n times for a consumer holding 1/n of its "
        "group's partitions, so that n `consume` processes make no more batches than one. 0: "
        "fetched at once, like every other subscription",
    )
    consumer_linger_ms: int = Field(
        default=100,
        ge=0,
        le=1000,
        description="Under load, how long at most a consumer waits after a batch before it "
        "fetches again (never longer than the batch took; a consumer holding 1/n of its group's "
        "partitions stretches its whole cycle, batch and wait, n times, so its batches are as "
        "large as a lone consumer's): only after a batch of at least 10 of the group's "
        "messages that was not full, so that the next one gathers more. At the maximum rate fewer, larger "
        "batches (measured: bulk intake 472-521 -> 539-551 docs/s with one consumer process, "
        "376-422 -> 497-528 with two); at an offered 50/s batches hold one or two messages, so "
        "it never waits there (p99 0.057 s). 0: it fetches at once",
    )
    consumer_commit_interval_ms: int = Field(
        default=500,
        ge=0,
        le=10_000,
        description="How often at most a consumer commits the offsets of the batches it has "
        "handled (the first batch after a quiet spell at once; before a rebalance and at "
        "shutdown always): under load one commit for many batches. A crash redelivers what "
        "was handled since the last commit, and the inbox skips it. 0: after every batch",
    )
    consumer_session_timeout_ms: int = Field(
        default=10_000,
        ge=1,
        validation_alias=AliasChoices("LEDGERLINE_CONSUMER_SESSION_TIMEOUT_MS"),
        description="How long the broker waits for a silent consumer (one killed, say) before "
        "giving its partitions to the others: a restarted process gets them no sooner",
    )
    consumer_heartbeat_interval_ms: int = Field(
        default=3_000,
        ge=1,
        validation_alias=AliasChoices("LEDGERLINE_CONSUMER_HEARTBEAT_INTERVAL_MS"),
        description="How often a consumer tells the broker it is alive (under a third of the "
        "session timeout)",
    )
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_max_backoff_seconds: float = Field(
        default=30.0,
        gt=0,
        description="Cap of the relay's exponential backoff while the broker or a row keeps failing",
    )
    outbox_max_row_attempts: int = Field(
        default=12,
        ge=1,
        description="Transient failures of one row (while others publish) before it is parked",
    )
    event_data_max_inline_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        validation_alias=AliasChoices("LEDGERLINE_EVENT_DATA_MAX_INLINE_BYTES"),
        description="Event data larger than this is stored by the producer and the envelope "
        "carries a `dataref` instead (claim check); well under the broker's 1 MiB message limit",
    )
    dataref_fetch_timeout_seconds: float = Field(default=30.0, gt=0)
    outbox_relay_hold_after_claim_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Chaos-testing aid: pause between claiming outbox rows and publishing them",
    )
    outbox_relay_hold_after_publish_seconds: float = Field(
        default=0.0,
        ge=0,
        description="Chaos-testing aid: pause between the broker's acknowledgements and marking "
        "the rows published",
    )
    outbox_linger_seconds: float = Field(
        default=0.005,
        ge=0,
        description="How long the relay, woken by a commit, waits for more commits to join the "
        "batch",
    )
    outbox_round_interval_seconds: float = Field(
        default=0.02,
        ge=0,
        le=1,
        description="Under a steady flow of commits, the relay claims at most once per this "
        "interval (each claim, produce request and mark costs the same however many events it "
        "carries); a commit after a quiet spell waits only `outbox_linger_seconds`. 0: a "
        "claim after every linger",
    )
    outbox_batch_size: int = Field(default=500, ge=1, description="Rows the relay claims at once")
    outbox_keep_published_hours: float = Field(
        default=24,
        gt=0,
        description="How long a published outbox row is kept (for an operator looking into "
        "what went out) before it is pruned; parked and unpublished rows are kept",
    )
    inbox_keep_days: float = Field(
        default=14,
        gt=0,
        description="How long a consumer remembers an event it handled, and a producer keeps "
        "claim-checked event data. Must be longer than Kafka keeps the topics' messages (7 days "
        "by default): an event redelivered after its inbox row was pruned takes effect again",
    )
    prune_interval_seconds: float = Field(
        default=3600,
        ge=0,
        description="How often the process running the outbox relay prunes the messaging "
        "tables (outbox, inbox, event data) past their retention; 0: never",
    )
    kafka_connect_backoff_seconds: float = Field(
        default=0.5,
        gt=0,
        validation_alias=AliasChoices("KAFKA_CONNECT_BACKOFF_SECONDS"),
        description="First wait before trying Kafka again when it is unreachable at start",
    )
    kafka_connect_backoff_max_seconds: float = Field(
        default=10.0,
        gt=0,
        validation_alias=AliasChoices("KAFKA_CONNECT_BACKOFF_MAX_SECONDS"),
        description="The longest wait between two tries (the wait doubles up to this)",
    )

    @model_validator(mode="after")
    def _issuer_checks_are_complete(self) -> Self:
        if self.jwt_jwks_url and not (self.jwt_jwks_issuer and self.jwt_audience):
            raise ValueError(
                "LEDGERLINE_JWT_JWKS_URL needs LEDGERLINE_JWT_JWKS_ISSUER and "
                "LEDGERLINE_JWT_AUDIENCE: tokens are checked for both"
            )
        return self
