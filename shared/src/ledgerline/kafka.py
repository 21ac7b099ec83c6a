"""The Kafka broker every service uses: FastStream over aiokafka, idempotent producer, acks=all."""

import logging

from faststream import AckPolicy
from faststream.kafka import KafkaBroker

# FastStream's own messages (a batch received and processed at DEBUG, a rebalance at INFO, a
# failure at ERROR) go through the service's logging, formatted and filtered like the rest.
# Its default logger has a handler and format of its own, and logged at `log_level` every
# batch twice: at WARNING, as the broker had it, two warnings per batch on a healthy stream.
BROKER_LOGGER = logging.getLogger("ledgerline.kafka")


def create_broker(bootstrap_servers: str, *, client_id: str) -> KafkaBroker:
    # Offsets are committed only after the handler's transaction (never auto-commit first);
    # a failure that escapes the handler rewinds so the message comes again. No dependency
    # injection: handlers take the raw records (see EventConsumer), and FastDepends would
    # resolve the message parameter in a worker thread, a thread hop for every batch.
    return KafkaBroker(
        bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=True,
        ack_policy=AckPolicy.NACK_ON_ERROR,
        logger=BROKER_LOGGER,
        log_level=logging.DEBUG,
        apply_types=False,
    )
