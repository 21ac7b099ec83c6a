"""The whole platform on one machine: PostgreSQL, Kafka, six services, a demo office."""

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID

import httpx

from ledgerline.auth import Role, issue_token
from ledgerline.demo import (
    DEMO_ADMIN,
    DEMO_DOSSIER_ID,
    DEMO_OFFICE_ID,
    JWT_ISSUER,
    default_dossiers,
)
from ledgerline.devstack.kafka import (
    LocalKafka,
    ensure_kafka_jars,
    topic_partitions,
    wait_for_group_coordinators,
    wait_for_group_members,
)
from ledgerline.devstack.ports import free_port, free_ports
from ledgerline.devstack.postgres import LocalPostgres
from ledgerline.devstack.smtp import LocalSmtp
from ledgerline.events import all_topics
from ledgerline.settings import DEV_JWT_SECRET

log = logging.getLogger(__name__)

SERVICES: tuple[str, ...] = ("sync", "ingest", "recognition", "worklist", "approvals", "payments")
DEFAULT_PORTS = {
    "ingest": 8001,
    "recognition": 8002,
    "worklist": 8003,
    "approvals": 8004,
    "payments": 8005,
    "sync": 8006,
}


# The reference Kafka connector (`sync kafka-connector`): its process, database and settings
# prefix (CONNECTOR_DATABASE_URL, CONNECTOR_LEDGER_ROOT), its port after the services' (8010).
KAFKA_CONNECTOR = "kafka-connector"
KAFKA_CONNECTOR_DATABASE = "connector"
KAFKA_CONNECTOR_PORT = 8010
# The demo dossier's books in the connector's ledger folder, under their own code: PEETERS is
# the in-process demo dossier of the same office.
KAFKA_DEMO_DOSSIER_CODE = "PEETERS-K"


def service_database_env(service: str) -> str:
    return f"{service.upper()}_DATABASE_URL"


@dataclass
class Infrastructure:
    """PostgreSQL and Kafka: started here, or taken from the environment when set there."""

    root: Path
    pg_port: int = 0
    kafka_port: int = 0
    kafka_controller_port: int = 0
    smtp_port: int = 0
    postgres: LocalPostgres | None = None
    kafka: LocalKafka | None = None
    smtp: LocalSmtp | None = None
    bootstrap_servers: str = ""

    def start(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        external = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
        if external:
            self.bootstrap_servers = external
        else:
            libs = ensure_kafka_jars()
            broker_port, controller_port = free_ports(2)
            self.kafka = LocalKafka(
                self.root / "kafka",
                self.kafka_port or broker_port,
                self.kafka_controller_port or controller_port,
                libs,
            )
            self.kafka.start()
            self.bootstrap_servers = self.kafka.bootstrap_servers
        if not all(os.environ.get(service_database_env(s)) for s in SERVICES):
            self.postgres = LocalPostgres(self.root / "postgres", self.pg_port or free_port())
            self.postgres.start()
        if not os.environ.get("PAYMENTS_SMTP_HOST"):
            self.smtp = LocalSmtp(self.root / "mail", self.smtp_port or free_port())
            self.smtp.start()

    async def create_topics(self) -> None:
        from aiokafka.admin import AIOKafkaAdminClient, NewTopic
        from aiokafka.errors import TopicAlreadyExistsError

        if self.kafka is not None:
            await self.kafka.create_topics(all_topics())
            return
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        await admin.start()
        try:
            for topic in all_topics():
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics([NewTopic(topic, topic_partitions(), 1)])
        finally:
            await admin.close()
        await wait_for_group_coordinators(self.bootstrap_servers)

    async def database_url(self, name: str) -> str:
        """A database with its own role, or the one the environment names."""
        configured = os.environ.get(service_database_env(name))
        if configured:
            return configured
        assert self.postgres is not None
        return await self.postgres.ensure_database(name, owner=name, password=f"{name}-dev")

    def stop(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()
        if self.kafka is not None:
            self.kafka.stop()
        if self.postgres is not None:
            self.postgres.stop()


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = None
    stopping: bool = False
    restarts: int = 0
    # `serve` (HTTP API, and consumers and relay unless configured off) or `consume`.
    command: str = "serve"
    service: str = ""  # the service's command; `name` by default
    # Arguments before `command` (the Kafka connector: `kafka-connector --ledger-dir DIR`).
    before_command: tuple[str, ...] = ()

    def note(self, line: str) -> None:
        """A line of the supervisor's in this service's log, between the service's own lines."""
        with self.log_path.open("a") as log_file:
            log_file.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} devstack: {line}\n")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        executable = Path(sys.executable).parent / (self.service or self.name)
        arguments = ["--port", str(self.port)] if self.command == "serve" else []
        with self.log_path.open("ab") as log_file:
            self.process = subprocess.Popen(
                [str(executable), *self.before_command, self.command, *arguments],
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        # Only now: a supervisor that saw `stopping` cleared while the stopped process was
        # still the one here would start a second process beside this one.
        self.stopping = False

    def stop(self, timeout: float = 15) -> None:
        self.stopping = True  # whoever supervises the process must not start it again
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class Supervisor:
    """Starts a service process again when it dies, as a process manager would in production.

    A thread (it works whichever event loop, if any, the stack runs in) polls the processes; a
    dead one is logged and restarted after a backoff that doubles per quick death (capped), and
    resets once the process has lived a while. Nothing restarts once the stack is stopping.
    """

    def __init__(
        self,
        services: dict[str, ServiceProcess],
        *,
        poll_seconds: float = 0.2,
        backoff_seconds: float = 0.5,
        backoff_max_seconds: float = 10.0,
        healthy_after_seconds: float = 30.0,
    ) -> None:
        self._services = services
        self._poll = poll_seconds
        self._backoff = backoff_seconds
        self._backoff_max = backoff_max_seconds
        self._healthy_after = healthy_after_seconds
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="devstack-supervisor", daemon=True)
        self._delays = {name: backoff_seconds for name in services}
        self._started_at = {name: time.monotonic() for name in services}
        self._restart_at: dict[str, float] = {}

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        while not self._stopping.wait(self._poll):
            self.look(time.monotonic())

    def look(self, now: float) -> None:
        """One round over the processes: each dead one that nobody stopped is noted, and
        started again once its backoff is over."""
        for name, service in self._services.items():
            if service.stopping:  # read before the process: see ServiceProcess.start
                self._restart_at.pop(name, None)
                continue
            process = service.process
            if process is None or process.poll() is None:
                # Alive (or started again by the stack itself): nothing left to restart.
                self._restart_at.pop(name, None)
                if now - self._started_at[name] > self._healthy_after:
                    self._delays[name] = self._backoff
                continue
            if name not in self._restart_at:
                delay = self._delays[name]
                self._restart_at[name] = now + delay
                message = (
                    f"{name} (pid {process.pid}) exited with {process.returncode}; "
                    f"restarting it in {delay:.1f} s"
                )
                log.warning("%s", message)
                service.note(message)
                self._delays[name] = min(delay * 2, self._backoff_max)
            elif now >= self._restart_at[name]:
                del self._restart_at[name]
                if self._stopping.is_set():
                    return
                service.start()
                service.restarts += 1
                self._started_at[name] = time.monotonic()
                assert service.process is not None
                service.note(f"{name} restarted (pid {service.process.pid})")
                log.warning("%s restarted (pid %s)", name, service.process.pid)


@dataclass
class Stack:
    root: Path
    ports: dict[str, int] = field(default_factory=dict)
    jwt_secret: str = DEV_JWT_SECRET
    infrastructure: Infrastructure | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)
    restart_services: bool = True
    # Ingest's e-mail intake (SMTP); 0: a free port is chosen at start.
    ingest_smtp_port: int = 0
    # 0: each service's API process consumes its events. N: N `<service> consume` processes
    # per service share its consumer groups, and the API process does not consume.
    consumer_processes: int = 0
    consumers: dict[str, ServiceProcess] = field(default_factory=dict)
    # Start the reference Kafka connector too (`make run`); the tests start it when they need it.
    with_kafka_connector: bool = False
    kafka_connector: ServiceProcess | None = None
    _owns_infrastructure: bool = False
    _supervisor: Supervisor | None = None

    def url(self, service: str) -> str:
        return self.services[service].url

    def token(
        self,
        *,
        subject: str = DEMO_ADMIN,
        role: Role = Role.ADMIN,
        office_id: UUID = DEMO_OFFICE_ID,
        dossiers: list[UUID] | None = None,
    ) -> str:
        """A development token; without `dossiers`, an admin lists none (the office decides)
        and every other role is assigned the demo dossier."""
        return issue_token(
            secret=self.jwt_secret,
            subject=subject,
            office_id=office_id,
            role=role,
            dossiers=default_dossiers(role) if dossiers is None else dossiers,
            issuer=JWT_ISSUER,
        )

    async def start(self, pg_port: int = 0, kafka_port: int = 0, smtp_port: int = 0) -> None:
        """Starts the infrastructure (unless one was handed in, started), then the services."""
        if self.infrastructure is None:
            self.infrastructure = Infrastructure(
                self.root, pg_port=pg_port, kafka_port=kafka_port, smtp_port=smtp_port
            )
            # Owned from here: a failure creating the topics still stops Kafka and PostgreSQL.
            self._owns_infrastructure = True
            await asyncio.to_thread(self.infrastructure.start)
            await self.infrastructure.create_topics()
        for service in SERVICES:
            self.database_urls[service] = await self.infrastructure.database_url(service)
        await asyncio.gather(*(asyncio.to_thread(self._migrate, service) for service in SERVICES))
        await asyncio.to_thread(self._install_demo_ledger)
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.ingest_smtp_port = self.ingest_smtp_port or free_port()
        for service in SERVICES:
            port = self.ports.get(service) or free_port()
            env = self._service_env(service, port)
            if self.consumer_processes:
                env[f"{service.upper()}_RUN_CONSUMERS"] = "false"
            self.services[service] = ServiceProcess(service, port, env, logs / f"{service}.log")
            self.services[service].start()
            for number in range(1, self.consumer_processes + 1):
                name = f"{service}-consumer-{number}"
                self.consumers[name] = ServiceProcess(
                    name,
                    port,
                    self._service_env(service, port),
                    logs / f"{name}.log",
                    command="consume",
                    service=service,
                )
                self.consumers[name].start()
        if self.with_kafka_connector:
            if self.infrastructure.postgres is None and not os.environ.get(
                service_database_env(KAFKA_CONNECTOR_DATABASE)
            ):
                log.warning(
                    "the Kafka connector is not started: the services' databases come from the "
                    "environment, and CONNECTOR_DATABASE_URL is not set"
                )
            else:
                await self.start_kafka_connector(
                    self.kafka_connector_ledger_root, self.ports.get(KAFKA_CONNECTOR, 0)
                )
        await self.wait_ready()
        if self.restart_services:
            supervised = self.services | self.consumers
            if self.kafka_connector is not None:
                supervised[KAFKA_CONNECTOR] = self.kafka_connector
            self._supervisor = Supervisor(supervised)
            self._supervisor.start()

    @property
    def kafka_connector_ledger_root(self) -> Path:
        """The reference Kafka connector's Beancount ledgers: apart from sync's own."""
        configured = os.environ.get("CONNECTOR_LEDGER_ROOT")
        return Path(configured) if configured else self.root / "connector-ledgers"

    async def start_kafka_connector(self, ledger_root: Path, port: int = 0) -> ServiceProcess:
        """The reference Kafka connector as a process of its own, with its own database
        (migrated here) and ledger folder (with the demo's books as PEETERS-K), in its consumer
        group `beancount-connector`; `stop()` stops it. Not ready yet when this returns."""
        assert self.infrastructure is not None
        database_url = await self.infrastructure.database_url(KAFKA_CONNECTOR_DATABASE)
        port = port or free_port()
        executable = str(Path(sys.executable).parent / "sync")
        env = os.environ | {
            "CONNECTOR_DATABASE_URL": database_url,
            "CONNECTOR_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "CONNECTOR_OUTBOX_POLL_SECONDS": "0.5",
            "KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.bootstrap_servers,
            "LEDGERLINE_JWT_SECRET": self.jwt_secret,
            "LEDGERLINE_JWT_ISSUER": JWT_ISSUER,
        }
        before = ("kafka-connector", "--ledger-dir", str(ledger_root))
        for command in (
            [executable, *before, "migrate"],
            [
                executable,
                "install-demo-ledger",
                str(ledger_root),
                "--code",
                KAFKA_DEMO_DOSSIER_CODE,
            ],
        ):
            result = await asyncio.to_thread(
                subprocess.run, command, env=env, capture_output=True, text=True, check=False
            )
            if result.returncode != 0:
                raise RuntimeError(f"{' '.join(command[1:])} failed:\n{result.stderr[-3000:]}")
        logs = self.root / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.kafka_connector = ServiceProcess(
            KAFKA_CONNECTOR,
            port,
            env,
            logs / f"{KAFKA_CONNECTOR}.log",
            service="sync",
            before_command=before,
        )
        self.kafka_connector.start()
        return self.kafka_connector

    def _service_env(self, service: str, port: int) -> dict[str, str]:
        assert self.infrastructure is not None
        prefix = service.upper()
        return (
            os.environ
            | {
                f"{prefix}_DATABASE_URL": self.database_urls[service],
                f"{prefix}_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
                "KAFKA_BOOTSTRAP_SERVERS": self.infrastructure.bootstrap_servers,
                "LEDGERLINE_JWT_SECRET": self.jwt_secret,
                "LEDGERLINE_JWT_ISSUER": JWT_ISSUER,
                f"{prefix}_OUTBOX_POLL_SECONDS": "0.5",
                "SYNC_LEDGER_ROOT": str(self.ledger_root),
            }
            | self._smtp_env()
            | ({"INGEST_SMTP_PORT": str(self.ingest_smtp_port)} if service == "ingest" else {})
        )

    @property
    def ledger_root(self) -> Path:
        """Where sync's reference connector keeps the dossiers' Beancount ledgers."""
        configured = os.environ.get("SYNC_LEDGER_ROOT")
        return Path(configured) if configured else self.root / "ledgers"

    def _install_demo_ledger(self) -> None:
        """The demo dossier's books (PEETERS), unless the ledger root has them already."""
        executable = Path(sys.executable).parent / "sync"
        result = subprocess.run(
            [str(executable), "install-demo-ledger", str(self.ledger_root)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"installing the demo ledger failed:\n{result.stderr[-3000:]}")

    def _smtp_env(self) -> dict[str, str]:
        assert self.infrastructure is not None
        smtp = self.infrastructure.smtp
        if smtp is None:
            return {}
        return {
            "PAYMENTS_SMTP_HOST": "127.0.0.1",
            "PAYMENTS_SMTP_PORT": str(smtp.port),
            "SYNC_SMTP_HOST": "127.0.0.1",
            "SYNC_SMTP_PORT": str(smtp.port),
            "APPROVALS_SMTP_HOST": "127.0.0.1",
            "APPROVALS_SMTP_PORT": str(smtp.port),
            # The local stack looks for approvers to e-mail every second (the hour still holds).
            "APPROVALS_NOTIFY_POLL_SECONDS": "1",
            # The worklist e-mails new messages of conversations to the other side.
            "WORKLIST_SMTP_HOST": "127.0.0.1",
            "WORKLIST_SMTP_PORT": str(smtp.port),
        }

    def _migrate(self, service: str) -> None:
        executable = Path(sys.executable).parent / service
        env = os.environ | {service_database_env(service): self.database_urls[service]}
        result = subprocess.run(
            [str(executable), "migrate"], env=env, capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise RuntimeError(f"migrating {service} failed:\n{result.stderr[-3000:]}")

    async def run_consumer_processes(self, processes: int) -> None:
        """Runs the first `processes` of each service's `consume` processes (the stack started
        `consumer_processes`), stops the others, and returns once every consumer group has
        that many members, its partitions assigned again."""
        if not 1 <= processes <= self.consumer_processes:
            raise ValueError(
                f"the stack runs 1 to {self.consumer_processes} consumer processes per service, "
                f"not {processes}"
            )
        assert self.infrastructure is not None
        stopping = []
        for service in SERVICES:
            for number in range(1, self.consumer_processes + 1):
                consumer = self.consumers[f"{service}-consumer-{number}"]
                running = consumer.process is not None and consumer.process.poll() is None
                if number > processes and running:
                    stopping.append(asyncio.to_thread(consumer.stop))
                elif number <= processes and not running:
                    consumer.start()
        await asyncio.gather(*stopping)  # each waits for its process to leave its groups
        await wait_for_group_members(self.infrastructure.bootstrap_servers, processes)

    async def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        waited = [*self.services.values()]
        if self.kafka_connector is not None:
            waited.append(self.kafka_connector)
        async with httpx.AsyncClient(timeout=3) as client:
            for service in waited:
                while True:
                    supervised = self._supervisor is not None
                    if (
                        not supervised
                        and service.process is not None
                        and service.process.poll() is not None
                    ):
                        raise RuntimeError(
                            f"{service.name} exited with {service.process.returncode}; "
                            f"see {service.log_path}:\n{service.log_path.read_text()[-3000:]}"
                        )
                    with contextlib.suppress(httpx.HTTPError):
                        if (await client.get(service.url + "/readyz")).status_code == 200:
                            break
                    if time.monotonic() > deadline:
                        raise TimeoutError(f"{service.name} was not ready in {timeout:.0f} s")
                    await asyncio.sleep(0.3)

    async def seed_demo(self, timeout: float = 60) -> None:
        """A demo office with one activated dossier, known to every service that needs it."""
        headers = {"Authorization": f"Bearer {self.token()}"}
        async with httpx.AsyncClient(timeout=10, headers=headers) as client:
            response = await client.post(
                self.url("sync") + "/dossiers",
                json={
                    "id": str(DEMO_DOSSIER_ID),
                    "name": "Bakkerij Peeters BV",
                    "vat_number": "BE0123456749",
                    # The reference connector: its demo ledger is installed by start().
                    "accounting_package": "beancount",
                    "dossier_code": "PEETERS",
                    "configuration": "C",
                    "language": "nl",
                },
            )
            if response.status_code not in (201, 409):
                raise RuntimeError(f"seeding the demo dossier failed: {response.text}")
        await self.wait_for_dossier(DEMO_DOSSIER_ID, timeout=timeout)

    async def wait_for_dossier(
        self, dossier_id: UUID, *, active: bool = True, timeout: float = 60
    ) -> None:
        """Until every service's dossier directory shows the dossier (in)active: they learn it
        from sync's events, asynchronously."""
        import asyncpg

        deadline = time.monotonic() + timeout
        for service in SERVICES:
            if service == "sync":  # the owner: its own table is the directory
                continue
            connection = await asyncpg.connect(self.database_urls[service])
            try:
                while (
                    await connection.fetchval(
                        "SELECT active FROM dossiers WHERE id = $1", dossier_id
                    )
                ) is not active:
                    if time.monotonic() > deadline:
                        raise TimeoutError(
                            f"{service} did not learn that dossier {dossier_id} is "
                            f"{'active' if active else 'deactivated'} from sync's events"
                        )
                    await asyncio.sleep(0.2)
            finally:
                await connection.close()

    def stop(self) -> None:
        if self._supervisor is not None:
            self._supervisor.stop()
        connector = [self.kafka_connector] if self.kafka_connector is not None else []
        for service in [*connector, *self.consumers.values(), *self.services.values()]:
            service.stop()
        if self.infrastructure is not None and self._owns_infrastructure:
            self.infrastructure.stop()
