"""JSON logs that carry the correlation id across HTTP requests and Kafka messages."""

import logging
import sys
import uuid
from contextvars import ContextVar
from dataclasses import dataclass

from pythonjsonlogger.json import JsonFormatter


@dataclass(frozen=True)
class FlowContext:
    """Which flow the current work belongs to, and what caused it."""

    correlation_id: str
    causation_id: str | None = None


_flow: ContextVar[FlowContext | None] = ContextVar("ledgerline_flow", default=None)


def current_flow() -> FlowContext:
    """The flow of the current request or message; a new one when there is none."""
    flow = _flow.get()
    if flow is None:
        flow = FlowContext(correlation_id=str(uuid.uuid4()))
        _flow.set(flow)
    return flow


def enter_flow(correlation_id: str | None, causation_id: str | None = None) -> FlowContext:
    flow = FlowContext(
        correlation_id=correlation_id or str(uuid.uuid4()), causation_id=causation_id
    )
    _flow.set(flow)
    return flow


def leave_flow() -> None:
    """Work that belongs to no single flow (e.g. the outbox relay) claims no correlation id."""
    _flow.set(None)


class _FlowFilter(logging.Filter):
    """Adds the current flow's correlation id, unless the line names its own (`extra=`); a line
    outside any flow has no `correlation_id` field rather than a null one."""

    def filter(self, record: logging.LogRecord) -> bool:
        flow = _flow.get()
        if flow is not None and getattr(record, "correlation_id", None) is None:
            record.correlation_id = flow.correlation_id
        return True


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_FlowFilter())
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            static_fields={"service": service},
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("aiokafka", "kafka", "uvicorn.access"):
        logging.getLogger(noisy).setLevel("WARNING")
