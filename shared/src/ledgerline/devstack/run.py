"""`make run`: the whole platform in the foreground until Ctrl-C."""

import asyncio
import contextlib
import fcntl
import os
import signal
import socket
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ledgerline.auth import Role
from ledgerline.demo import DEMO_CLIENT, DEMO_DOSSIER_ID, DEMO_OFFICE_ID
from ledgerline.devstack.kafka import LocalKafka
from ledgerline.devstack.postgres import LocalPostgres
from ledgerline.devstack.stack import (
    DEFAULT_PORTS,
    KAFKA_CONNECTOR,
    KAFKA_CONNECTOR_PORT,
    KAFKA_DEMO_DOSSIER_CODE,
    SERVICES,
    Stack,
    service_database_env,
)

HTTP_PORT_BASE_ENV = "LEDGERLINE_HTTP_PORT_BASE"
DEFAULT_HTTP_PORT_BASE = 8000
DEFAULT_SMTP_PORT = 2525
# Ingest's e-mail intake: the mail sink's port plus one unless the sink moved.
DEFAULT_INGEST_SMTP_OFFSET = 1
EXIT_CANNOT_START = 1


class CannotStart(Exception):
    """The stack cannot start here; the message is one sentence for the user."""


@dataclass(frozen=True)
class RunPorts:
    postgres: int
    kafka: int
    smtp: int
    http_base: int = DEFAULT_HTTP_PORT_BASE

    def http(self) -> dict[str, int]:
        """Each service's HTTP port: the base plus the service's place (ingest 1 ... sync 6)."""
        return {
            service: self.http_base + port - DEFAULT_HTTP_PORT_BASE
            for service, port in DEFAULT_PORTS.items()
        }

    def kafka_connector(self) -> int:
        """The reference Kafka connector's HTTP port (8010 by default)."""
        return self.http_base + KAFKA_CONNECTOR_PORT - DEFAULT_HTTP_PORT_BASE

    def ingest_smtp(self) -> int:
        """Ingest's e-mail intake listens next to the local mail sink (2526 by default)."""
        return self.smtp + DEFAULT_INGEST_SMTP_OFFSET


def http_port_base_from_env() -> int:
    value = os.environ.get(HTTP_PORT_BASE_ENV, "").strip()
    if not value:
        return DEFAULT_HTTP_PORT_BASE
    if not value.isdigit() or not 1 <= int(value) <= 65535 - (
        KAFKA_CONNECTOR_PORT - DEFAULT_HTTP_PORT_BASE
    ):
        raise CannotStart(
            f"{HTTP_PORT_BASE_ENV} must be a port number (the services use the six ports after "
            f"it, the Kafka connector the tenth), not {value!r}."
        )
    return int(value)


@contextlib.contextmanager
def claim_data_dir(root: Path) -> Iterator[None]:
    """One `make run` per data folder: a second one would share (and stop) the first's servers."""
    root.mkdir(parents=True, exist_ok=True)
    lock_path = root / "run.lock"
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise CannotStart(
                f"Ledgerline is already running from {root} (pid {owner}): stop it with Ctrl-C "
                f"first, or start a second one with --data-dir and other ports "
                f"({HTTP_PORT_BASE_ENV}, --postgres-port, --kafka-port, --smtp-port)."
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def check_ports(root: Path, ports: RunPorts) -> None:
    """Every port this run will listen on is free (servers this data folder left running and
    servers the environment points at excepted); otherwise one sentence naming the port."""
    wanted = [(port, f"the {service} service") for service, port in ports.http().items()]
    wanted.append((ports.kafka_connector(), "the reference Kafka connector"))
    wanted.append((ports.ingest_smtp(), "ingest's e-mail intake (--smtp-port plus one)"))
    if not os.environ.get("PAYMENTS_SMTP_HOST"):
        wanted.append((ports.smtp, "the local SMTP server (--smtp-port)"))
    if (
        not os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        and not LocalKafka(root / "kafka", ports.kafka, 0, root).is_running()
    ):
        wanted.append((ports.kafka, "Kafka (--kafka-port)"))
    if (
        not all(os.environ.get(service_database_env(s)) for s in SERVICES)
        and not LocalPostgres(root / "postgres", ports.postgres).is_running()
    ):
        wanted.append((ports.postgres, "PostgreSQL (--postgres-port)"))
    for port, user in wanted:
        if _port_in_use(port):
            raise CannotStart(
                f"Port {port}, wanted for {user}, is already in use (another `make run`?): stop "
                f"that program, or choose other ports ({HTTP_PORT_BASE_ENV} moves the six "
                f"service ports, now {ports.http_base + 1}-{ports.http_base + 6})."
            )


async def run_stack(root: Path, ports: RunPorts) -> None:
    stack = Stack(
        root,
        ports=ports.http() | {KAFKA_CONNECTOR: ports.kafka_connector()},
        ingest_smtp_port=ports.ingest_smtp(),
        with_kafka_connector=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print(
            "Ledgerline: starting PostgreSQL and Kafka, migrating, starting services...", flush=True
        )
        await stack.start(pg_port=ports.postgres, kafka_port=ports.kafka, smtp_port=ports.smtp)
        await stack.seed_demo()
        print(_banner(stack, ports), flush=True)
        await stop.wait()
    finally:
        print("\nLedgerline: stopping...", flush=True)
        await asyncio.to_thread(stack.stop)
        print("Ledgerline: stopped; no process left behind.", flush=True)


def _banner(stack: Stack, ports: RunPorts) -> str:
    assert stack.infrastructure is not None
    smtp = stack.infrastructure.smtp
    lines = ["", "Ledgerline is running.", ""]
    for service in SERVICES:
        lines.append(f"  {service:<12} {stack.url(service)}/docs")
    if stack.kafka_connector is not None:
        lines.append(
            f"  connector    {stack.kafka_connector.url}/docs (the reference Kafka connector; "
            f"ledgers in {stack.kafka_connector_ledger_root}, the demo's books as dossier "
            f"code {KAFKA_DEMO_DOSSIER_CODE} for a dossier activated with connector kafka)"
        )
    lines += [
        "",
        f"  Kafka        {stack.infrastructure.bootstrap_servers}",
        f"  PostgreSQL   {stack.database_urls['ingest'].rsplit('@', 1)[-1].rsplit('/', 1)[0]}",
        f"  SMTP         127.0.0.1:{smtp.port} (mail to banks lands in {stack.root / 'mail'})"
        if smtp is not None
        else "  SMTP         PAYMENTS_SMTP_HOST",
        f"  e-mail in    127.0.0.1:{stack.ingest_smtp_port} (SMTP; the demo dossier's purchase "
        "address is aankoop-peeters@docs.ledgerline.local)",
        f"  logs         {stack.root / 'logs'}",
        "",
        f"  demo office  {DEMO_OFFICE_ID}",
        f"  demo dossier {DEMO_DOSSIER_ID} (Bakkerij Peeters BV)",
        "",
        "  office admin token:",
        f"    export TOKEN={stack.token()}",
        "  client administrator token:",
        f"    export CLIENT_TOKEN={stack.token(subject=DEMO_CLIENT, role=Role.CLIENT_ADMINISTRATOR)}",
        "",
        "  try (the README's 'Calling the APIs' goes on from here):",
        f"    curl -H \"Authorization: Bearer $CLIENT_TOKEN\" -H 'Content-Type: application/xml' "
        f"--data-binary @docs/samples/invoice.xml "
        f"'{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents?mailbox=purchase'",
        "",
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def main(root: Path, pg_port: int, kafka_port: int, smtp_port: int = DEFAULT_SMTP_PORT) -> int:
    try:
        ports = RunPorts(pg_port, kafka_port, smtp_port, http_port_base_from_env())
        with claim_data_dir(root):
            check_ports(root, ports)
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(run_stack(root, ports))
    except CannotStart as problem:
        print(f"ledgerline run: {problem}", file=sys.stderr)
        return EXIT_CANNOT_START
    return 0
