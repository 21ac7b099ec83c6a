"""The commands every service has: serve, migrate, relay, consume, asyncapi."""

import argparse
import contextlib
import sys
from collections.abc import Callable

import uvloop
from pydantic import ValidationError

from ledgerline.console import run_writing_stdout
from ledgerline.heap import long_lived_after_startup
from ledgerline.service import ServiceDefinition
from ledgerline.settings import ServiceSettings


def add_service_commands(
    subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]",
    load_definition: Callable[[], ServiceDefinition],
) -> None:
    serve = subparsers.add_parser(
        "serve",
        help="run the HTTP API, the event consumers and the outbox relay",
        description="Run the service: HTTP API, Kafka consumers and outbox relay in one process. "
        "Configuration comes from environment variables (see the README).",
        epilog="example: INGEST_DATABASE_URL=postgresql://... ingest serve --port 8001",
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.set_defaults(func=lambda args: _serve(load_definition, args.host, args.port))

    migrate = subparsers.add_parser(
        "migrate",
        help="upgrade the service's database to the latest schema (Alembic)",
        description="Apply the service's Alembic migrations to its database.",
    )
    migrate.add_argument("--revision", default="head")
    migrate.set_defaults(func=lambda args: _migrate(load_definition(), args.revision))

    relay = subparsers.add_parser(
        "relay",
        help="run only the outbox relay (publishes committed events to Kafka)",
        description="Run the outbox relay alone, for scaling it apart from the API.",
    )
    relay.set_defaults(func=lambda args: _relay(load_definition))

    consume = subparsers.add_parser(
        "consume",
        help="run only the Kafka consumers (no HTTP API, no relay); start several to scale out",
        description="Run the service's event consumers alone. Several such processes share the "
        "topics' partitions (one consumer group). Set <SERVICE>_RUN_CONSUMERS=false on the "
        "`serve` process so the API does not consume too.",
    )
    consume.set_defaults(func=lambda args: _consume(load_definition))

    asyncapi = subparsers.add_parser(
        "asyncapi", help="print the AsyncAPI document of the service's consumers"
    )
    asyncapi.set_defaults(func=lambda args: _asyncapi(load_definition()))


class ConfigurationError(Exception):
    pass


def load_settings(definition: ServiceDefinition) -> ServiceSettings:
    """The service's settings from the environment, or one sentence per missing or bad variable."""
    try:
        return definition.settings_type()  # type: ignore[call-arg]
    except ValidationError as exc:
        prefix = definition.settings_type.model_config.get("env_prefix", "")
        problems = [
            f"{prefix}{'.'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        ]
        raise ConfigurationError(
            f"{definition.name}: invalid configuration: " + "; ".join(problems)
        ) from exc


def _serve(load_definition: Callable[[], ServiceDefinition], host: str, port: int) -> int:
    with long_lived_after_startup():
        import uvicorn

        from ledgerline.service import create_app

        definition = load_definition()
        app = create_app(definition, load_settings(definition))
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
    return 0


def _migrate(definition: ServiceDefinition, revision: str) -> int:
    from ledgerline.db import run_migrations

    settings = load_settings(definition)
    run_migrations(settings.database_url, definition.versions_dir, revision)
    print(f"{definition.name}: database at revision {revision}")
    return 0


def _loaded(
    load_definition: Callable[[], ServiceDefinition],
) -> tuple[ServiceDefinition, ServiceSettings]:
    """A long-running process's definition and settings, its startup heap then frozen."""
    with long_lived_after_startup():
        definition = load_definition()
        return definition, load_settings(definition)


def _relay(load_definition: Callable[[], ServiceDefinition]) -> int:
    from ledgerline.service import run_relay

    definition, settings = _loaded(load_definition)
    with contextlib.suppress(KeyboardInterrupt):
        uvloop.run(run_relay(definition, settings))
    return 0


def _consume(load_definition: Callable[[], ServiceDefinition]) -> int:
    from ledgerline.service import run_consumers

    definition, settings = _loaded(load_definition)
    with contextlib.suppress(KeyboardInterrupt):
        # uvloop, as uvicorn uses for `serve`: the same loop whatever the process runs.
        uvloop.run(run_consumers(definition, settings))
    return 0


def _asyncapi(definition: ServiceDefinition) -> int:
    from faststream.specification import AsyncAPI

    from ledgerline.consumers import EventConsumer
    from ledgerline.kafka import create_broker

    broker = create_broker("localhost:9092", client_id=definition.name)
    consumer = EventConsumer(service=definition.name, pool=None, broker=broker)  # type: ignore[arg-type]
    # The document needs the subscriptions only, not a database or broker configuration.
    consumer.subscribe_all(definition.subscriptions(definition.settings_type.model_construct()))
    spec = AsyncAPI(broker, title=f"Ledgerline {definition.name}", version="0.1.0")
    print(spec.to_specification().to_json())
    return 0


def run_service_cli(
    prog: str,
    description: str,
    load_definition: Callable[[], ServiceDefinition],
    argv: list[str] | None = None,
    register_extra: Callable[["argparse._SubParsersAction[argparse.ArgumentParser]"], None]
    | None = None,
) -> int:
    parser = argparse.ArgumentParser(prog=prog, description=description)
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_service_commands(subparsers, load_definition)
    if register_extra is not None:
        register_extra(subparsers)
    args = parser.parse_args(argv)
    return run_writing_stdout(lambda: _run_command(args))


def _run_command(args: argparse.Namespace) -> int:
    try:
        return int(args.func(args))
    except ConfigurationError as exc:
        print(exc, file=sys.stderr)
        return 2
