"""The Kafka broker every service uses: FastStream over aiokafka, idempotent producer, acks=all."""

from faststream import AckPolicy
from faststream.kafka import KafkaBroker


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
        log_level=30,
        apply_types=False,
    )
