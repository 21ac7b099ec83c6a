"""How a service process assembles the outbox pieces from its settings: the claim check its
units of work apply, the resolver its consumers use, the relay, the pruner of the messaging
tables, and the platform routes."""

from datetime import timedelta

import asyncpg
from fastapi import FastAPI

from ledgerline import claimcheck, outbox_admin
from ledgerline.claimcheck import ClaimCheck, DatarefResolver
from ledgerline.message_retention import MessageTablePruner, Retention
from ledgerline.outbox import OutboxRelay
from ledgerline.settings import ServiceSettings


def claim_check_parts(
    service: str, settings: ServiceSettings
) -> tuple[ClaimCheck, DatarefResolver]:
    return (
        ClaimCheck(
            max_inline_bytes=settings.event_data_max_inline_bytes,
            public_base_url=settings.public_base_url,
        ),
        DatarefResolver(
            service=service,
            secret=settings.jwt_secret,
            issuer=settings.jwt_issuer,
            timeout=settings.dataref_fetch_timeout_seconds,
        ),
    )


def outbox_relay_for(service: str, pool: asyncpg.Pool, settings: ServiceSettings) -> OutboxRelay:
    return OutboxRelay(
        pool,
        settings.kafka_bootstrap_servers,
        service=service,
        poll_seconds=settings.outbox_poll_seconds,
        max_backoff_seconds=settings.outbox_max_backoff_seconds,
        max_row_attempts=settings.outbox_max_row_attempts,
        hold_after_claim_seconds=settings.outbox_relay_hold_after_claim_seconds,
        hold_after_publish_seconds=settings.outbox_relay_hold_after_publish_seconds,
        linger_seconds=settings.outbox_linger_seconds,
        round_interval_seconds=settings.outbox_round_interval_seconds,
        batch_size=settings.outbox_batch_size,
    )


def pruner_for(service: str, pool: asyncpg.Pool, settings: ServiceSettings) -> MessageTablePruner:
    return MessageTablePruner(
        pool,
        Retention(
            published_outbox=timedelta(hours=settings.outbox_keep_published_hours),
            inbox=timedelta(days=settings.inbox_keep_days),
        ),
        service=service,
        interval_seconds=settings.prune_interval_seconds,
    )


def install_outbox_routes(app: FastAPI) -> None:
    """Every service serves its claim-checked event data and its parked outbox rows."""
    app.include_router(claimcheck.router)
    app.include_router(outbox_admin.router)
