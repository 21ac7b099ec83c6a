"""A local single-node Apache Kafka (KRaft, broker + controller in one JVM).

The broker jars come from Maven Central through ``mvn`` (``deploy/kafka/pom.xml``) and are cached
in ``$LEDGERLINE_CACHE_DIR`` (default ``~/.cache/ledgerline``); only ``java`` and ``mvn`` are needed.
Layout of ``data_dir``::

    data_dir/
      server.properties     written on every start
      cluster.id            the KRaft cluster id, generated once
      kafka-logs/           log.dirs (formatted once with kafka.tools.StorageTool)
      logs/server.log       broker log (log4j2, INFO; deploy/kafka/log4j2.xml)
      kafka.out             stdout/stderr of the JVM
      kafka.pid             pid (= process group) of the running JVM

Start-up is made quick for small machines: SerialGC, C1 only, and an application class-data-sharing
archive (AppCDS, ``<cache>/kafka-<version>/cds/``) that the very first run writes when it exits
(its stop takes ~3 s longer once) and every later run maps; set ``LEDGERLINE_KAFKA_CDS=0`` to turn
that off. Measured on 2 cores, until the broker answers metadata: new data dir ~2.1 s (3.2-3.8 s
without the archive), existing data dir ~1.3-1.7 s (2.0-2.6 s without).
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import contextlib
import hashlib
import logging
import os
import re
import signal
import socket
import struct
import subprocess
import time
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import TracebackType
from typing import Self

import psutil
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.client import AIOKafkaClient, CoordinationType
from aiokafka.errors import KafkaError, for_code

from ledgerline.devstack.maven import default_cache_dir, resolve_jars
from ledgerline.devstack.maven import java_executable as _java_executable
from ledgerline.devstack.paths import REPO_ROOT
from ledgerline.devstack.processes import file_lock, process_alive, tail

__all__ = ["KAFKA_VERSION", "SCALA_VERSION", "LocalKafka", "default_cache_dir", "ensure_kafka_jars"]

KAFKA_VERSION = "4.1.1"
"""Kafka version in deploy/kafka/pom.xml (kept in step by hand; checked after the download)."""

SCALA_VERSION = "2.13"

_log = logging.getLogger(__name__)


_HOST = "127.0.0.1"
_TOPIC_ALREADY_EXISTS = 36

DEFAULT_PARTITIONS = 12


def topic_partitions() -> int:
    """Partitions per topic: ``$LEDGERLINE_KAFKA_PARTITIONS`` or 12. A consumer group uses at
    most one consumer per partition, so this bounds how many consumer processes one stage
    can use; events are keyed (by dossier or document, see docs/events) so order holds per key."""
    value = os.environ.get("LEDGERLINE_KAFKA_PARTITIONS", "")
    partitions = int(value) if value.strip() else DEFAULT_PARTITIONS
    if partitions < 1:
        raise ValueError(f"LEDGERLINE_KAFKA_PARTITIONS must be at least 1, not {partitions}")
    return partitions


# ---------------------------------------------------------------------- jars


def kafka_pom() -> Path:
    """``$LEDGERLINE_KAFKA_POM`` or ``<repo>/deploy/kafka/pom.xml``."""
    env = os.environ.get("LEDGERLINE_KAFKA_POM")
    return Path(env).expanduser().resolve() if env else REPO_ROOT / "deploy" / "kafka" / "pom.xml"


def ensure_kafka_jars(cache_dir: Path | None = None) -> Path:
    """Download the Kafka server jars once (``mvn dependency:copy-dependencies``); return the dir.

    The jars land in ``<cache>/kafka-<version>/libs``. A marker with the pom's hash is written only
    after a complete download, so an interrupted download (or a changed pom) is redone.
    """
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return resolve_jars(
        kafka_pom(),
        base / f"kafka-{KAFKA_VERSION}",
        main_jar=f"kafka_{SCALA_VERSION}-{KAFKA_VERSION}.jar",
        what=f"Kafka (keep the pom's kafka.version equal to KAFKA_VERSION in {__name__})",
        check_java=_java_executable,
    )


# ---------------------------------------------------------------------- broker


class LocalKafka:
    """A single-node KRaft Kafka (broker and controller) for development and tests."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        controller_port: int,
        libs_dir: Path,
        heap: str = "512m",
        *,
        log4j_config: Path | None = None,
        extra_properties: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.port = int(port)
        self.controller_port = int(controller_port)
        self.libs_dir = Path(libs_dir).expanduser().resolve()
        self.heap = heap
        self.log4j_config = (
            Path(log4j_config) if log4j_config is not None else kafka_pom().parent / "log4j2.xml"
        )
        self.extra_properties = dict(extra_properties or {})
        self.properties_file = self.data_dir / "server.properties"
        self.log_dirs = self.data_dir / "kafka-logs"
        self.logs_dir = self.data_dir / "logs"
        self.out_file = self.data_dir / "kafka.out"
        self.pid_file = self.data_dir / "kafka.pid"
        self._cluster_id_file = self.data_dir / "cluster.id"
        self._cds_pending_file = self.data_dir / "kafka.cds-pending"
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_offset = 0  # size of server.log when this object last started the JVM
        self._started_here = False

    @property
    def bootstrap_servers(self) -> str:
        return f"{_HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        """PID of the running broker JVM (from the pid file), or None."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        if not process_alive(pid):
            return None
        cmdline = _cmdline(pid)
        if cmdline and not ("kafka.Kafka" in cmdline and str(self.properties_file) in cmdline):
            return None  # stale pid file, pid reused by something else
        return pid

    def is_running(self) -> bool:
        return self.pid is not None

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 90) -> None:
        """Format the storage once, start the JVM and wait until the broker answers metadata.

        Reuses a broker that already runs for this data directory (pid file); if that one listens
        on other ports (say, left over from a crashed run that picked random ports), they are
        adopted (``self.port``/``self.controller_port`` change, with a warning).
        """
        deadline = time.monotonic() + timeout
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self.data_dir / ".lock"):
            pid = self.pid
            if pid is not None:
                port, controller_port = self._configured_ports()
                if port is not None and port != self.port:
                    _log.warning(
                        "Kafka in %s already runs (pid %s) on port %s, not on %s; reusing it",
                        self.data_dir,
                        pid,
                        port,
                        self.port,
                    )
                    self.port = port
                if controller_port is not None:
                    self.controller_port = controller_port
                self._wait_ready(deadline, pid)
                return
            self.pid_file.unlink(missing_ok=True)
            self._finish_cds_dump()
            java = _java_executable()
            if not self.libs_dir.is_dir() or not any(self.libs_dir.glob("kafka_*.jar")):
                raise RuntimeError(
                    f"{self.libs_dir} holds no Kafka jars; get them with ensure_kafka_jars()."
                )
            self.logs_dir.mkdir(parents=True, exist_ok=True)
            self._write_properties()
            cds_flags = self._cds_flags(java)
            self._format_storage(java, cds_flags, deadline)

            command = [
                java,
                *self._jvm_flags(),
                *cds_flags,
                "-cp",
                str(self.libs_dir / "*"),
                "kafka.Kafka",
                str(self.properties_file),
            ]
            with contextlib.suppress(FileNotFoundError):
                self._log_offset = (self.logs_dir / "server.log").stat().st_size
            with self.out_file.open("ab") as out:
                out.write(f"\n===== {time.strftime('%Y-%m-%d %H:%M:%S')} starting Kafka\n".encode())
                out.flush()
                self._proc = subprocess.Popen(
                    command,
                    cwd=self.data_dir,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            self.pid_file.write_text(f"{self._proc.pid}\n")
            self._started_here = True
            try:
                self._wait_ready(deadline, self._proc.pid)
            except BaseException:
                self.stop()
                raise

    def stop(self, timeout: float = 30) -> None:
        """SIGTERM the JVM's process group, SIGKILL after ``timeout``; idempotent."""
        pid = self.pid
        proc, self._proc = self._proc, None
        if pid is None and proc is not None and proc.poll() is None:
            pid = proc.pid
        killed = False
        if pid is not None:
            _signal_group(pid, signal.SIGTERM)
            if not self._wait_exit(pid, proc, timeout):
                killed = True
                _signal_group(pid, signal.SIGKILL)
                self._wait_exit(pid, proc, 10)
        elif proc is not None:
            proc.wait()
        self.pid_file.unlink(missing_ok=True)
        self._started_here = False
        if killed:
            self._discard_cds_dump()
        else:
            self._finish_cds_dump()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Only stop what this object started; a broker reused from elsewhere keeps running.
        if self._started_here:
            self.stop()

    # ------------------------------------------------------------------ topics

    async def create_topics(self, names: Iterable[str], partitions: int | None = None) -> None:
        """Create topics (replication factor 1, `topic_partitions()` partitions unless told)
        unless they exist; wait until they have leaders."""
        partitions = partitions or topic_partitions()
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap_servers, client_id="ledgerline-devstack"
        )
        await admin.start()
        try:
            response = await admin.create_topics(
                [NewTopic(name, partitions, 1) for name in wanted], timeout_ms=30_000
            )
            for topic_error in response.topic_errors:
                name, code = topic_error[0], topic_error[1]
                if code not in (0, _TOPIC_ALREADY_EXISTS):
                    message = topic_error[2] if len(topic_error) > 2 else None
                    raise RuntimeError(
                        f"Creating Kafka topic {name!r} failed: {for_code(code).__name__}"
                        f" {message or ''}".rstrip()
                    )
            deadline = time.monotonic() + 30
            while True:
                described = await admin.describe_topics(wanted)
                if all(_topic_ready(topic) for topic in described) and len(described) == len(
                    wanted
                ):
                    break
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"Kafka topics {wanted} got no partition leaders in time.")
                await asyncio.sleep(0.1)
        finally:
            await admin.close()
        await wait_for_group_coordinators(self.bootstrap_servers)

    # ------------------------------------------------------------------ internals

    def _jvm_flags(self) -> list[str]:
        flags = [
            f"-Xmx{self.heap}",
            f"-Xms{_min_heap(self.heap, '256m')}",
            # start-up on 2 cores: C1 only and the serial collector (measured ~25% faster than
            # the default G1 + C2 for the broker; a development broker never needs C2 code)
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:+ExitOnOutOfMemoryError",
            # class-data-sharing dumps warn about every class they skip; keep only errors
            "-Xlog:cds*=error",
            "-Djava.awt.headless=true",
            "-Dlog4j2.disable.jmx=true",
            f"-Dkafka.logs.dir={self.logs_dir}",
        ]
        if self.log4j_config.is_file():
            flags.append(f"-Dlog4j2.configurationFile={self.log4j_config}")
        return flags

    def _properties(self) -> dict[str, str]:
        props = {
            "process.roles": "broker,controller",
            "node.id": "1",
            "controller.quorum.voters": f"1@{_HOST}:{self.controller_port}",
            "listeners": f"PLAINTEXT://{_HOST}:{self.port},CONTROLLER://{_HOST}:{self.controller_port}",
            "advertised.listeners": f"PLAINTEXT://{_HOST}:{self.port}",
            "inter.broker.listener.name": "PLAINTEXT",
            "controller.listener.names": "CONTROLLER",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            "log.dirs": str(self.log_dirs),
            "num.partitions": str(topic_partitions()),
            "default.replication.factor": "1",
            "min.insync.replicas": "1",
            "auto.create.topics.enable": "false",
            "offsets.topic.replication.factor": "1",
            "offsets.topic.num.partitions": "10",
            "transaction.state.log.replication.factor": "1",
            "transaction.state.log.min.isr": "1",
            "transaction.state.log.num.partitions": "10",
            "share.coordinator.state.topic.replication.factor": "1",
            "share.coordinator.state.topic.min.isr": "1",
            "group.initial.rebalance.delay.ms": "0",
            # a 2-core machine: fewer threads than the defaults (3 network, 8 io)
            "num.network.threads": "2",
            "num.io.threads": "4",
            "num.recovery.threads.per.data.dir": "2",
        }
        props.update(self.extra_properties)
        return props

    def _write_properties(self) -> None:
        lines = ["# written by ledgerline.devstack.kafka on every start; edits are lost"]
        lines += [f"{key}={_escape_property(value)}" for key, value in self._properties().items()]
        tmp = self.properties_file.with_suffix(".properties.tmp")
        tmp.write_text("\n".join(lines) + "\n", encoding="ascii")
        os.replace(tmp, self.properties_file)

    def _configured_ports(self) -> tuple[int | None, int | None]:
        """(client port, controller port) in the current server.properties."""
        try:
            text = self.properties_file.read_text(encoding="ascii")
        except FileNotFoundError:
            return None, None
        ports: list[int | None] = []
        for name in ("PLAINTEXT", "CONTROLLER"):
            match = re.search(rf"^listeners=.*\b{name}://[^,\s]*:(\d+)", text, re.MULTILINE)
            ports.append(int(match.group(1)) if match else None)
        return ports[0], ports[1]

    def _cluster_id(self) -> str:
        try:
            cluster_id = self._cluster_id_file.read_text().strip()
            if cluster_id:
                return cluster_id
        except FileNotFoundError:
            pass
        meta = self.log_dirs / "meta.properties"
        if meta.is_file():
            match = re.search(r"^cluster\.id=(\S+)", meta.read_text(), re.MULTILINE)
            if match:
                self._cluster_id_file.write_text(match.group(1) + "\n")
                return match.group(1)
        cluster_id = _random_kafka_uuid()
        self._cluster_id_file.write_text(cluster_id + "\n")
        return cluster_id

    def _format_storage(self, java: str, cds_flags: list[str], deadline: float) -> None:
        if (self.log_dirs / "meta.properties").is_file():
            return
        # map the archive if there is one, but do not let the formatter write it
        read_flags = [flag for flag in cds_flags if flag.startswith("-XX:SharedArchiveFile=")]
        command = [
            java,
            *self._jvm_flags(),
            *read_flags,
            "-cp",
            str(self.libs_dir / "*"),
            "kafka.tools.StorageTool",
            "format",
            "--ignore-formatted",
            "-t",
            self._cluster_id(),
            "-c",
            str(self.properties_file),
        ]
        with self.out_file.open("ab") as out:
            result = subprocess.run(
                command,
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                timeout=max(5.0, deadline - time.monotonic()),
                check=False,
            )
        if result.returncode != 0:
            raise RuntimeError(
                f"Formatting the Kafka storage in {self.log_dirs} failed (exit code"
                f" {result.returncode}).\n--- {self.out_file} ---\n{tail(self.out_file)}"
            )

    def _wait_ready(self, deadline: float, pid: int) -> None:
        while True:
            if self._proc is not None:
                code = self._proc.poll()
                if code is not None:
                    self._proc = None
                    self.pid_file.unlink(missing_ok=True)
                    self._started_here = False
                    self._discard_cds_dump()
                    raise RuntimeError(
                        f"Kafka exited with code {code} while starting.\n{self._log_tails()}"
                    )
            elif not process_alive(pid):
                raise RuntimeError(f"Kafka (pid {pid}) exited while starting.\n{self._log_tails()}")
            if _broker_answers(self.bootstrap_servers):
                return
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"Kafka on {self.bootstrap_servers} did not answer metadata requests in"
                    f" time.\n{self._log_tails()}"
                )
            time.sleep(0.05)

    def _wait_exit(self, pid: int, proc: subprocess.Popen[bytes] | None, timeout: float) -> bool:
        if proc is not None and proc.pid == pid:
            try:
                proc.wait(timeout)
                return True
            except subprocess.TimeoutExpired:
                return False
        deadline = time.monotonic() + timeout
        while process_alive(pid):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
        return True

    def _log_tails(self) -> str:
        """The JVM's output, the ERROR/FATAL entries of server.log and its last lines."""
        server_log = self.logs_dir / "server.log"
        parts = [f"--- {self.out_file} (last lines) ---", tail(self.out_file, 15)]
        errors = _error_entries(server_log, self._log_offset)
        if errors:
            parts += [f"--- {server_log} (errors) ---", errors]
        parts += [f"--- {server_log} (last lines) ---", tail(server_log, 10)]
        return "\n".join(parts)

    # AppCDS: the first run dumps the loaded classes at exit into a temporary file, which becomes
    # the archive once that JVM has exited cleanly; later runs map it (about half the start time).

    def _cds_archive(self, java: str) -> Path | None:
        if os.environ.get("LEDGERLINE_KAFKA_CDS", "1").lower() in ("0", "false", "no", "off"):
            return None
        try:
            real_java = Path(java).resolve()
            java_stat = real_java.stat()
            jars = sorted(
                f"{jar.name}:{jar.stat().st_size}:{jar.stat().st_mtime_ns}"
                for jar in self.libs_dir.glob("*.jar")
            )
        except OSError:
            return None
        gc_and_jit = [flag for flag in self._jvm_flags() if flag.startswith("-XX:")]
        key = "|".join([str(real_java), str(java_stat.st_size), str(java_stat.st_mtime_ns)])
        key += "|" + "|".join([*jars, *gc_and_jit])
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        cds_dir = self.libs_dir.parent / "cds"
        try:
            cds_dir.mkdir(exist_ok=True)
        except OSError:
            return None
        return cds_dir / f"kafka-{digest}.jsa"

    def _cds_flags(self, java: str) -> list[str]:
        archive = self._cds_archive(java)
        if archive is None:
            return []
        if archive.is_file():
            return [f"-XX:SharedArchiveFile={archive}"]
        if not os.access(archive.parent, os.W_OK):
            return []
        partial = archive.with_name(f"{archive.name}.partial-{uuid.uuid4().hex[:8]}")
        self._cds_pending_file.write_text(f"{partial}\n{archive}\n")
        return [f"-XX:ArchiveClassesAtExit={partial}"]

    def _finish_cds_dump(self) -> None:
        pending = self._read_cds_pending()
        if pending is None:
            return
        partial, archive = pending
        if (
            partial.is_file()
            and partial.stat().st_size > 0
            and not archive.exists()
            and self._cds_archive_usable(partial)
        ):
            os.replace(partial, archive)
        partial.unlink(missing_ok=True)
        self._cds_pending_file.unlink(missing_ok=True)

    def _cds_archive_usable(self, archive: Path) -> bool:
        """Whether the JVM maps ``archive`` (-Xshare:on fails otherwise), e.g. not a torn dump."""
        try:
            java = _java_executable()
            result = subprocess.run(
                [
                    java,
                    *(flag for flag in self._jvm_flags() if flag.startswith("-XX:")),
                    f"-XX:SharedArchiveFile={archive}",
                    "-Xshare:on",
                    "-cp",
                    str(self.libs_dir / "*"),
                    "-version",
                ],
                cwd=self.data_dir,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                timeout=60,
                check=False,
            )
        except (OSError, RuntimeError, subprocess.SubprocessError):
            return False
        return result.returncode == 0

    def _discard_cds_dump(self) -> None:
        pending = self._read_cds_pending()
        if pending is not None:
            pending[0].unlink(missing_ok=True)
        self._cds_pending_file.unlink(missing_ok=True)

    def _read_cds_pending(self) -> tuple[Path, Path] | None:
        try:
            lines = self._cds_pending_file.read_text().splitlines()
        except FileNotFoundError:
            return None
        if len(lines) < 2:
            self._cds_pending_file.unlink(missing_ok=True)
            return None
        return Path(lines[0]), Path(lines[1])


# ---------------------------------------------------------------------- helpers


def _broker_answers(bootstrap_servers: str) -> bool:
    """Whether the broker is registered and answers a metadata request (KRaft lists only
    unfenced brokers, so an answer with a broker means it is usable)."""

    async def probe() -> bool:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=2000)
        try:
            await admin.start()
            cluster = await admin.describe_cluster()
            return bool(cluster.get("brokers"))
        except (KafkaError, OSError):
            return False
        finally:
            with contextlib.suppress(Exception):
                await admin.close()

    host, _, port = bootstrap_servers.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=1).close()
    except OSError:
        return False  # not listening yet: spare the admin client's connection-error logs
    # start() is synchronous and may be called with an event loop running in this thread, so the
    # probe runs on a loop of its own in a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as worker:
        return worker.submit(asyncio.run, probe()).result()


OFFSETS_TOPIC = "__consumer_offsets"


async def wait_for_group_coordinators(bootstrap_servers: str, timeout: float = 30) -> None:
    """Returns once every consumer group can find its coordinator.

    A fresh broker creates its offsets topic only when the first group asks for a coordinator,
    and until that topic's partitions have leaders every group's lookup fails: the services'
    consumers, started together, each logged GroupCoordinatorNotAvailableError. Asked here
    once per offsets partition (a group's coordinator is the leader of the partition its id
    hashes to), the consumers find theirs at the first try.
    """
    client = AIOKafkaClient(
        bootstrap_servers=bootstrap_servers,
        client_id="ledgerline-devstack",
        request_timeout_ms=5000,
    )
    await client.bootstrap()
    deadline = time.monotonic() + timeout
    try:
        probes: list[str] | None = None
        while True:
            try:
                if probes is None:
                    await client.coordinator_lookup(CoordinationType.GROUP, "ledgerline-devstack")
                    metadata = await client.fetch_all_metadata()
                    partitions = metadata.partitions_for_topic(OFFSETS_TOPIC)
                    if not partitions:
                        raise KafkaError(f"{OFFSETS_TOPIC} has no partitions yet")
                    probes = _group_ids_covering(len(partitions))
                while probes:
                    await client.coordinator_lookup(CoordinationType.GROUP, probes[-1])
                    probes.pop()
                return
            except KafkaError as exc:
                if time.monotonic() >= deadline:
                    raise RuntimeError(
                        f"Kafka on {bootstrap_servers} has no group coordinator after"
                        f" {timeout:.0f} s: {exc!r}"
                    ) from exc
                await asyncio.sleep(0.1)
    finally:
        await client.close()


async def wait_for_group_members(bootstrap_servers: str, members: int, timeout: float = 60) -> None:
    """Returns once every consumer group the broker has is Stable with `members` members: after
    consumer processes were started or stopped the partitions are assigned again, and until
    then a group reads with fewer members than it has (a benchmark would time the rebalance)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers)
    await admin.start()
    deadline = time.monotonic() + timeout
    try:
        while True:
            unsettled: dict[str, str] = {}
            try:
                for group, _protocol in await admin.list_consumer_groups():
                    # One group a request: aiokafka 0.14 reads a v3 answer with the v2 schema,
                    # which lacks a field per group, so only a lone group's answer decodes.
                    (response,) = await admin.describe_consumer_groups([group])
                    # (error, group, state, protocol type, protocol, members)
                    _error, _group, state, _type, _protocol, joined, *_ = response.groups[0]
                    if state != "Stable" or len(joined) != members:
                        unsettled[group] = f"{state} with {len(joined)}"
            except KafkaError as exc:
                unsettled["?"] = repr(exc)
            if not unsettled:
                return
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"consumer groups not Stable with {members} members after {timeout:.0f} s: "
                    + ", ".join(f"{group} {state}" for group, state in sorted(unsettled.items()))
                )
            await asyncio.sleep(0.5)
    finally:
        await admin.close()


def _group_ids_covering(partitions: int) -> list[str]:
    """One group id per offsets partition, by Kafka's rule: abs(Java hashCode(id)) % partitions."""
    found: dict[int, str] = {}
    index = 0
    while len(found) < partitions:
        group_id = f"ledgerline-devstack-{index}"
        found.setdefault(_java_string_hash(group_id) % partitions, group_id)
        index += 1
    return list(found.values())


def _java_string_hash(text: str) -> int:
    """abs(String.hashCode()) as Kafka takes it (Utils.abs: Integer.MIN_VALUE gives 0)."""
    value = 0
    for unit in text.encode("utf-16-be").hex(" ", 2).split():
        value = (31 * value + int(unit, 16)) & 0xFFFFFFFF
    signed = value - (1 << 32) if value >= 1 << 31 else value
    return 0 if signed == -(1 << 31) else abs(signed)


def _topic_ready(topic: dict[str, object]) -> bool:
    partitions = topic.get("partitions")
    return (
        topic.get("error_code") == 0
        and isinstance(partitions, list)
        and bool(partitions)
        and all(isinstance(p, dict) and p.get("leader", -1) >= 0 for p in partitions)
    )


def _random_kafka_uuid() -> str:
    """A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-'."""
    while True:
        value = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not value.startswith("-"):
            return value


def _escape_property(value: str) -> str:
    """Escape a value for java.util.Properties (read as ISO-8859-1)."""
    out: list[str] = []
    for index, char in enumerate(value):
        if char == "\\":
            out.append("\\\\")
        elif char == " " and index == 0:
            out.append("\\ ")
        elif char in "\n\r\t":
            out.append({"\n": "\\n", "\r": "\\r", "\t": "\\t"}[char])
        elif ord(char) > 0x7E or ord(char) < 0x20:
            for unit in struct.unpack(
                f">{len(char.encode('utf-16-be')) // 2}H", char.encode("utf-16-be")
            ):
                out.append(f"\\u{unit:04x}")
        else:
            out.append(char)
    return "".join(out)


def _min_heap(heap: str, preferred: str) -> str:
    """``preferred`` unless ``heap`` (the maximum) is smaller."""
    return preferred if _heap_bytes(heap) >= _heap_bytes(preferred) else heap


def _heap_bytes(size: str) -> int:
    match = re.fullmatch(r"(\d+)([kKmMgGtT]?)", size.strip())
    if not match:
        raise ValueError(f"invalid JVM heap size: {size!r}")
    factor = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}
    return int(match.group(1)) * factor[match.group(2).lower()]


def _signal_group(pid: int, sig: signal.Signals) -> None:
    """Signal the process group led by ``pid`` (the JVM started with a new session)."""
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _cmdline(pid: int) -> list[str]:
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def _error_entries(path: Path, offset: int = 0, max_lines: int = 30) -> str:
    """The first ERROR/FATAL entries (with some stack trace) of a log4j log after ``offset``."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(offset if offset <= size else 0)
            text = fh.read(4 << 20).decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    picked: list[str] = []
    in_error = False
    for line in text.splitlines():
        if line.startswith("["):
            in_error = bool(re.match(r"\[[^]]*\] (ERROR|FATAL) ", line))
            if in_error:
                picked.append(line)
                continuation = 0
        elif in_error and continuation < 4:
            picked.append(line)
            continuation += 1
    return "\n".join(picked[:max_lines])
