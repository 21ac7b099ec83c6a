"""Pipeline benchmark: N distinct UBL invoices over K dossiers, from upload to booking proposal.

Starts the local stack (real PostgreSQL and Kafka, six service processes), activates K dossiers
through sync, uploads and submits the invoices at concurrency C, either as fast as possible
(`--rate 0`) or at a fixed offered rate, and prints:

- documents/s end to end (first upload received → last proposal created);
- p50/p95/p99 upload→proposal latency, from the services' own timestamps (ingest's
  `documents.received_at`, worklist's `proposals.created_at`; one PostgreSQL clock);
- CPU seconds per process (services, Kafka, PostgreSQL, this load generator) and machine load;
- context switches, host steal and CPU pressure (the share of the run some task waited for a
  CPU) during the run, and per service the consumer batches and
  messages per batch (from the inbox rows);
- consumer lag of every consumer group at the end;
- with several `--consumer-processes` counts (or `--rounds`), docs/s per count with the median,
  and per round each count's docs/s as a share of the fewest's, with the median of the rounds
  and its 95 % interval (from six rounds): the counts other than 0 run on one stack in rounds,
  every second round in reverse order (1, 2 then 2, 1: a steady drift of the machine's speed
  favours neither count; `ledgerline.devstack.comparison`), some `consume` processes stopped or
  started (and `--warmup` invoices sent through) before each run;
- before and after, the machine's speed: the seconds a fixed pure-Python loop takes on one
  core. CPU per document scales with it; on a shared machine it moves (0.35 to 1.8 s between
  runs on one day, when the same code took 39-41 ms per document in the morning and 78-97 ms
  later), so compare runs only where it is alike.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import aiohttp
import asyncpg
import psutil
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient
from ledgerline.devstack.comparison import alternated_rounds, median_interval
from ledgerline.devstack.processes import tree_cpu_seconds
from ledgerline.devstack.stack import Stack
from ledgerline.events.topics import DOCUMENT_RECEIVED, DOCUMENT_RECOGNIZED, DOCUMENT_SUBMITTED
from ledgerline.testing.ubl import Line, Party, generated_invoice


def belgian_vat(n: int) -> str:
    """A valid Belgian VAT number (mod-97 check digits) derived from `n`."""
    base = 2_000_000 + n  # "0" + 7 digits: the first 8 of the 10
    check = 97 - base % 97
    return f"BE0{base:07d}{check:02d}"


def ubl_invoice(number: str, net: Decimal, customer_vat: str, customer: str) -> bytes:
    """A one-line Peppol BIS 3 invoice of `net` EUR at 21 % VAT to `customer`."""
    return generated_invoice(
        number,
        [Line(f"Flour, invoice {number}", net)],
        supplier=Party(
            "Bench Supplies BV", "BE0403019261", "Gent", street="Kerkstraat 1", postal_zone="9000"
        ),
        customer=Party(customer, customer_vat, "Leuven"),
    ).xml


@dataclass(frozen=True)
class BenchDossier:
    id: uuid.UUID
    name: str
    vat: str


@dataclass(frozen=True)
class RunResult:
    label: str
    count: int
    bulk: int
    auto_forward: bool
    consumer_processes: int
    offered_rate: float | None
    upload_seconds: float
    docs_per_second: float
    latencies: list[float]
    cpu: dict[str, float]
    # CPU seconds per second per process group while nothing was sent (polls, heartbeats).
    idle_rate: dict[str, float]
    wall: float
    load: tuple[float, float, float]
    machine_cpu_percent: float
    # The machine's, during the run: how often a core changed process, and the seconds a
    # virtual machine's cores were taken by the host (Linux "steal").
    context_switches: int
    steal_seconds: float
    # Share of the run during which some runnable task waited for a CPU (Linux PSI); None
    # where the kernel reports none.
    cpu_pressure: float | None
    # Per service: the batches its consumers handled during the run (one transaction each) and
    # the messages in them, from the inbox rows (a batch's rows share `processed_at`).
    batches: dict[str, tuple[int, int]]
    lag: dict[str, int]
    # Seconds per stage of upload→proposal per document (see `stage_seconds`).
    stages: dict[str, list[float]]
    # Which round of alternated consumer-process counts the run belongs to.
    round_index: int = 0


class CpuMeter:
    """CPU seconds (user + system) per process group of the stack, between two readings; a
    group's processes that exit in between keep what they used (`tree_cpu_seconds`)."""

    def __init__(self, stack: Stack) -> None:
        self._stack = stack

    def read(self) -> dict[str, float]:
        pids: dict[str, int] = {}
        for name, service in (self._stack.services | self._stack.consumers).items():
            if service.process is not None:
                pids[name] = service.process.pid
        infra = self._stack.infrastructure
        if infra is not None and infra.kafka is not None and infra.kafka.pid:
            pids["kafka"] = infra.kafka.pid
        if infra is not None and infra.postgres is not None and infra.postgres.pid:
            pids["postgres"] = infra.postgres.pid
        totals = {name: tree_cpu_seconds(pid) for name, pid in pids.items()}
        # The load generator alone: the services are its children too.
        own = psutil.Process().cpu_times()
        totals["loadgen"] = own.user + own.system
        return totals


async def activate_dossiers(stack: Stack, count: int) -> list[BenchDossier]:
    dossiers = [
        BenchDossier(uuid.uuid4(), f"Bench Client {n:03d} BV", belgian_vat(n))
        for n in range(1, count + 1)
    ]
    async with bench_session(stack.token(), 1, timeout=30) as client:
        for dossier in dossiers:
            async with client.post(
                stack.url("sync") + "/dossiers",
                json={
                    "id": str(dossier.id),
                    "name": dossier.name,
                    "vat_number": dossier.vat,
                    "accounting_package": "exact",
                    "dossier_code": f"BENCH-{dossier.id.hex[:8]}",
                    "configuration": "C",
                    "language": "nl",
                },
            ) as response:
                if response.status != 201:
                    raise RuntimeError(f"activating a dossier failed: {await response.text()}")
    for dossier in dossiers:
        await stack.wait_for_dossier(dossier.id, timeout=120)
    return dossiers


async def auto_forward(stack: Stack, dossiers: list[BenchDossier]) -> None:
    """The dossiers send every purchase document to the office on arrival (no submit)."""
    token = stack.token(dossiers=[d.id for d in dossiers])
    async with bench_session(token, 1, timeout=30) as http:
        for dossier in dossiers:
            async with http.put(
                f"{stack.url('ingest')}/dossiers/{dossier.id}/intake-settings",
                json={
                    "auto_forward_purchase": True,
                    "auto_forward_sales": False,
                    "use_sender_whitelist": False,
                },
            ) as response:
                if response.status != 200:
                    text = await response.text()
                    raise RuntimeError(f"auto-forward: {response.status} {text[:300]}")


Invoice = tuple[BenchDossier, str, bytes]


# Every invoice this benchmark makes, over all its runs on a stack, has an amount of its own:
# same supplier, date and total is what the worklist flags as a duplicate, and each run's
# invoices then matched one earlier invoice per run before it (the lookup and the flagged
# proposals growing run by run: PostgreSQL's CPU per document doubled over twenty runs).
_AMOUNT_SERIAL = itertools.count()


def invoices(label: str, count: int, dossiers: list[BenchDossier]) -> list[Invoice]:
    """The run's invoices, made before its clock starts: made on the way, the first ones'
    making would delay their sending, and those behind would leave together to catch up."""
    made = []
    for n in range(count):
        dossier = dossiers[n % len(dossiers)]
        number = f"{label}-{n:06d}"
        net = Decimal("50.00") + Decimal(next(_AMOUNT_SERIAL)) * Decimal("0.01")
        made.append((dossier, number, ubl_invoice(number, net, dossier.vat, dossier.name)))
    return made


def bench_session(token: str, concurrency: int, timeout: float) -> aiohttp.ClientSession:
    """The load generator's HTTP client: aiohttp, whose CPU per request is a fraction of
    httpx's, since the generator shares the two cores with what it measures. Idle connections
    are dropped before uvicorn's 5 s keep-alive ends, so no request goes out on a connection
    the server is closing."""
    return aiohttp.ClientSession(
        headers={"Authorization": f"Bearer {token}"},
        timeout=aiohttp.ClientTimeout(total=timeout),
        connector=aiohttp.TCPConnector(limit=concurrency, keepalive_timeout=2),
    )


async def push_bulk(
    stack: Stack,
    batch: list[Invoice],
    dossiers: list[BenchDossier],
    concurrency: int,
    rate: float,
    size: int,
) -> tuple[list[str], float]:
    """Delivers the invoices `size` at a time per dossier through the bulk intake, submitted;
    returns the document ids and the seconds the deliveries took."""
    token = stack.token(dossiers=[d.id for d in dossiers])
    ingest = stack.url("ingest")
    gate = asyncio.Semaphore(concurrency)
    ids: list[str] = []
    per_dossier: dict[uuid.UUID, list[tuple[int, str, bytes]]] = {}
    for index, (dossier, number, xml) in enumerate(batch):
        per_dossier.setdefault(dossier.id, []).append((index, number, xml))
    chunks = [
        (dossier_id, items[start : start + size])
        for dossier_id, items in per_dossier.items()
        for start in range(0, len(items), size)
    ]
    chunks.sort(key=lambda chunk: chunk[1][0][0])  # in the order a steady source sends them
    began = time.monotonic()
    async with bench_session(token, concurrency, timeout=120) as http:

        async def one(dossier_id: uuid.UUID, items: list[tuple[int, str, bytes]]) -> None:
            if rate > 0:  # a chunk leaves when its last invoice would have
                delay = began + items[-1][0] / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            body = {
                "submit": True,
                "documents": [
                    {"key": number, "filename": f"{number}.xml", "xml": xml.decode()}
                    for _, number, xml in items
                ],
            }
            async with (
                gate,
                http.post(f"{ingest}/dossiers/{dossier_id}/documents/bulk", json=body) as delivered,
            ):
                if delivered.status not in (200, 201):
                    text = await delivered.text()
                    raise RuntimeError(f"bulk delivery: {delivered.status} {text[:500]}")
                answer = await delivered.json()
            ids.extend(result["document"]["id"] for result in answer["documents"])

        await asyncio.gather(*(one(dossier_id, items) for dossier_id, items in chunks))
    return ids, time.monotonic() - began


async def push(
    stack: Stack,
    batch: list[Invoice],
    dossiers: list[BenchDossier],
    concurrency: int,
    rate: float,
    submit: bool = True,
) -> tuple[list[str], float]:
    """Uploads and submits (`submit` False: uploads only, the dossiers auto-forward);
    returns the document ids and the seconds the uploads took."""
    token = stack.token(dossiers=[d.id for d in dossiers])
    ingest = stack.url("ingest")
    gate = asyncio.Semaphore(concurrency)
    ids: list[str] = []
    began = time.monotonic()
    async with bench_session(token, concurrency, timeout=60) as http:

        async def one(index: int, dossier: BenchDossier, number: str, xml: bytes) -> None:
            if rate > 0:
                delay = began + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            async with gate:
                async with http.post(
                    f"{ingest}/dossiers/{dossier.id}/documents",
                    params={"filename": f"{number}.xml"},
                    data=xml,
                    headers={"Content-Type": "application/xml"},
                ) as delivered:
                    if delivered.status != 201:
                        raise RuntimeError(f"upload {number}: {await delivered.text()}")
                    document_id = (await delivered.json())["id"]
                ids.append(document_id)
                if not submit:
                    return
                url = f"{ingest}/dossiers/{dossier.id}/documents/{document_id}/submit"
                for attempt in (1, 2):
                    try:
                        async with http.post(url) as submitted:
                            if submitted.status not in (200, 409):
                                raise RuntimeError(f"submit {number}: {await submitted.text()}")
                        break
                    except aiohttp.ClientConnectionError:
                        if attempt == 2:  # sending it again is harmless: 409 if it went
                            raise

        await asyncio.gather(
            *(
                one(index, dossier, number, xml)
                for index, (dossier, number, xml) in enumerate(batch)
            )
        )
    return ids, time.monotonic() - began


async def deliver(
    stack: Stack,
    batch: list[Invoice],
    dossiers: list[BenchDossier],
    concurrency: int,
    rate: float,
    bulk: int,
    auto_forwarded: bool,
) -> tuple[list[str], float]:
    """The invoices through the bulk intake (`bulk` per request) or one upload each (and a
    submit unless the dossiers auto-forward); the document ids and the seconds it took."""
    if bulk:
        return await push_bulk(stack, batch, dossiers, concurrency, rate, bulk)
    return await push(stack, batch, dossiers, concurrency, rate, submit=not auto_forwarded)


async def wait_for_proposals(stack: Stack, ids: list[str], timeout: float) -> None:
    """Returns once every document has a proposal. Asks only after those still without one,
    twice a second: asking after all 3,000 five times a second cost PostgreSQL 5-10 ms a time,
    on the cores the run measures."""
    pending = {uuid.UUID(i) for i in ids}
    connection = await asyncpg.connect(stack.database_urls["worklist"])
    try:
        deadline = time.monotonic() + timeout
        while True:
            made = await connection.fetch(
                "SELECT DISTINCT document_id FROM proposals WHERE document_id = ANY($1)",
                list(pending),
            )
            pending -= {row["document_id"] for row in made}
            if not pending:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"only {len(ids) - len(pending)} of {len(ids)} proposals after {timeout:.0f} s"
                )
            await asyncio.sleep(0.5)
    finally:
        await connection.close()


async def timestamps(stack: Stack, ids: list[str]) -> list[tuple[datetime, datetime]]:
    wanted = [uuid.UUID(i) for i in ids]
    ingest = await asyncpg.connect(stack.database_urls["ingest"])
    try:
        received = dict(
            await ingest.fetch("SELECT id, received_at FROM documents WHERE id = ANY($1)", wanted)
        )
    finally:
        await ingest.close()
    worklist = await asyncpg.connect(stack.database_urls["worklist"])
    try:
        created = dict(
            await worklist.fetch(
                "SELECT document_id, min(created_at) FROM proposals"
                " WHERE document_id = ANY($1) GROUP BY document_id",
                wanted,
            )
        )
    finally:
        await worklist.close()
    return [(received[i], created[i]) for i in wanted]


async def _outbox_events(
    connection: asyncpg.Connection, topic: str, wanted: list[uuid.UUID]
) -> dict[uuid.UUID, asyncpg.Record]:
    """A service's outbox rows of `topic` about the wanted documents, by document id."""
    rows = await connection.fetch(
        "SELECT document_id, event_id, created_at, published_at FROM ("
        " SELECT (payload::jsonb -> 'data' ->> 'document_id')::uuid AS document_id,"
        " event_id, created_at, published_at FROM outbox WHERE topic = $1) AS o"
        " WHERE document_id = ANY($2)",
        topic,
        wanted,
    )
    return {row["document_id"]: row for row in rows}


async def _handled_at(
    connection: asyncpg.Connection, event_ids: list[uuid.UUID]
) -> dict[uuid.UUID, datetime]:
    """When a consumer's transaction that took each event in its inbox began (now())."""
    rows = await connection.fetch(
        "SELECT event_id, min(processed_at) AS at FROM inbox WHERE event_id = ANY($1)"
        " GROUP BY event_id",
        event_ids,
    )
    return {row["event_id"]: row["at"] for row in rows}


async def stage_seconds(stack: Stack, ids: list[str]) -> dict[str, list[float]]:
    """Where upload→proposal goes, per document, from the services' own timestamps (outbox
    rows' created/published times, inbox rows' processed times: each a transaction's start):

    - received→published: ingest's relay publishes document.received.v1;
    - published→recognised: Kafka, recognition's fetch and reading, until its transaction;
    - recognised→published: recognition's relay publishes document.recognized.v1;
    - published→worklist: Kafka and the worklist consumer until its transaction began;
    - upload→submit: the load generator's second request (its submit committed);
    - submit→worklist: ingest's relay, Kafka and the worklist for document.submitted.v1.
    """
    wanted = [uuid.UUID(i) for i in ids]
    urls = stack.database_urls
    ingest = await asyncpg.connect(urls["ingest"])
    try:
        received_at = dict(
            await ingest.fetch("SELECT id, received_at FROM documents WHERE id = ANY($1)", wanted)
        )
        received = await _outbox_events(ingest, DOCUMENT_RECEIVED, wanted)
        submitted = await _outbox_events(ingest, DOCUMENT_SUBMITTED, wanted)
    finally:
        await ingest.close()
    recognition = await asyncpg.connect(urls["recognition"])
    try:
        recognised_at = await _handled_at(recognition, [r["event_id"] for r in received.values()])
        recognized = await _outbox_events(recognition, DOCUMENT_RECOGNIZED, wanted)
    finally:
        await recognition.close()
    worklist = await asyncpg.connect(urls["worklist"])
    try:
        taken_at = await _handled_at(
            worklist,
            [r["event_id"] for r in (*recognized.values(), *submitted.values())],
        )
    finally:
        await worklist.close()
    stages: dict[str, list[float]] = {}

    def add(name: str, start: datetime | None, end: datetime | None) -> None:
        if start is not None and end is not None:
            stages.setdefault(name, []).append((end - start).total_seconds())

    for document in wanted:
        got, sub, rec = received.get(document), submitted.get(document), recognized.get(document)
        if got is None or sub is None or rec is None:
            continue
        add("received→published", received_at.get(document), got["published_at"])
        add("published→recognised", got["published_at"], recognised_at.get(got["event_id"]))
        add("recognised→published", rec["created_at"], rec["published_at"])
        add("published→worklist", rec["published_at"], taken_at.get(rec["event_id"]))
        add("upload→submit", received_at.get(document), sub["created_at"])
        add("submit→worklist", sub["created_at"], taken_at.get(sub["event_id"]))
    return stages


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    """Messages not yet consumed per consumer group (all its topics)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await probe.start()
    try:
        lag: dict[str, int] = {}
        for group, _protocol in await admin.list_consumer_groups():
            committed = await admin.list_consumer_group_offsets(group)
            if not committed:
                continue
            ends = await probe.end_offsets(list(committed))
            lag[group] = sum(
                max(0, ends[tp] - meta.offset) for tp, meta in committed.items() if meta.offset >= 0
            )
        return lag
    finally:
        await probe.stop()
        await admin.close()


async def database_now(stack: Stack) -> datetime:
    connection = await asyncpg.connect(stack.database_urls["ingest"])
    try:
        return await connection.fetchval("SELECT now()")
    finally:
        await connection.close()


async def consumer_batches(stack: Stack, since: datetime) -> dict[str, tuple[int, int]]:
    """(batches, messages) each service's consumers handled since `since`."""
    found: dict[str, tuple[int, int]] = {}
    for service, url in stack.database_urls.items():
        connection = await asyncpg.connect(url)
        try:
            row = await connection.fetchrow(
                "SELECT count(DISTINCT (consumer, topic, processed_at)), count(*) FROM inbox "
                "WHERE processed_at >= $1",
                since,
            )
        finally:
            await connection.close()
        found[service] = (row[0], row[1])
    return found


def stalled_microseconds() -> int | None:
    """Microseconds since boot during which some runnable task waited for a CPU (Linux pressure
    stall information, the `some` line's total); None where the kernel reports none."""
    try:
        text = Path("/proc/pressure/cpu").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("some "):
            fields = dict(field.partition("=")[::2] for field in line.split()[1:])
            return int(fields["total"])
    return None


def _steal_seconds() -> float:
    return float(getattr(psutil.cpu_times(), "steal", 0.0))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


async def run_once(
    stack: Stack,
    label: str,
    count: int,
    dossiers: list[BenchDossier],
    concurrency: int,
    rate: float,
    timeout: float,
    bulk: int = 0,
    idle_seconds: float = 10,
    auto_forwarded: bool = False,
    consumer_processes: int = 0,
    round_index: int = 0,
) -> RunResult:
    batch = invoices(label, count, dossiers)
    meter = CpuMeter(stack)
    idle_before, idle_began = meter.read(), time.monotonic()
    await asyncio.sleep(idle_seconds)
    cpu_before = meter.read()
    idle_wall = time.monotonic() - idle_began
    idle_rate = {
        name: (cpu_before.get(name, 0.0) - idle_before.get(name, 0.0)) / idle_wall
        for name in cpu_before
    }
    psutil.cpu_percent()
    switches, steal = psutil.cpu_stats().ctx_switches, _steal_seconds()
    stalled = stalled_microseconds()
    since = await database_now(stack)
    began = time.monotonic()
    ids, upload_seconds = await deliver(
        stack, batch, dossiers, concurrency, rate, bulk, auto_forwarded
    )
    await wait_for_proposals(stack, ids, timeout)
    wall = time.monotonic() - began
    stalled_after = stalled_microseconds()
    machine = psutil.cpu_percent()
    load = os.getloadavg()
    cpu_after = meter.read()
    pairs = await timestamps(stack, ids)
    latencies = [(made - received).total_seconds() for received, made in pairs]
    span = (max(m for _, m in pairs) - min(r for r, _ in pairs)).total_seconds()
    assert stack.infrastructure is not None
    await asyncio.sleep(1)  # let the last offsets commit
    return RunResult(
        label=label,
        count=count,
        bulk=bulk,
        auto_forward=auto_forwarded,
        consumer_processes=consumer_processes,
        offered_rate=rate or None,
        upload_seconds=upload_seconds,
        docs_per_second=count / span if span > 0 else float("inf"),
        latencies=latencies,
        cpu={name: cpu_after.get(name, 0.0) - cpu_before.get(name, 0.0) for name in cpu_after},
        idle_rate=idle_rate,
        wall=wall,
        load=load,
        machine_cpu_percent=machine,
        context_switches=psutil.cpu_stats().ctx_switches - switches,
        steal_seconds=_steal_seconds() - steal,
        cpu_pressure=None
        if stalled is None or stalled_after is None
        else (stalled_after - stalled) / 1e6 / wall,
        batches=await consumer_batches(stack, since),
        lag=await consumer_lag(stack.infrastructure.bootstrap_servers),
        stages=await stage_seconds(stack, ids),
        round_index=round_index,
    )


def report(result: RunResult) -> None:
    offered = f"offered {result.offered_rate:g}/s" if result.offered_rate else "maximum rate"
    lat = result.latencies
    intake = (
        f"bulk of {result.bulk}"
        if result.bulk
        else "one upload each, auto-forwarded (no submit request)"
        if result.auto_forward
        else "upload + submit each"
    )
    consumers = (
        f"{result.consumer_processes} consumer processes per service"
        if result.consumer_processes
        else "the API process consumes"
    )
    print(f"\n== {result.label}: {result.count} invoices, {offered}, {intake}, {consumers}")
    print(
        f"   uploads done in {result.upload_seconds:.1f} s "
        f"({result.count / result.upload_seconds:.1f} uploads/s); all proposals after "
        f"{result.wall:.1f} s"
    )
    print(f"   end to end: {result.docs_per_second:.1f} docs/s")
    print(
        f"   upload→proposal latency: p50 {percentile(lat, 0.50):.3f} s, "
        f"p95 {percentile(lat, 0.95):.3f} s, p99 {percentile(lat, 0.99):.3f} s, "
        f"max {max(lat):.3f} s, mean {statistics.fmean(lat):.3f} s"
    )
    if result.stages:
        print(
            "   per stage, p50 / p99 s: "
            + ", ".join(
                f"{name} {percentile(values, 0.50):.3f} / {percentile(values, 0.99):.3f}"
                for name, values in result.stages.items()
            )
        )
    cpu = ", ".join(
        f"{name} {seconds:.1f}" for name, seconds in sorted(result.cpu.items(), key=lambda x: -x[1])
    )
    total = sum(result.cpu.values())
    print(f"   CPU seconds: {cpu} (total {total:.1f} over {result.wall:.1f} s)")
    # On a shared machine docs/s depends on the neighbours; CPU per document does not.
    print(f"   CPU per document: {1000 * total / result.count:.1f} ms (all processes)")
    per_document = ", ".join(
        f"{name} {1000 * seconds / result.count:.2f}"
        for name, seconds in sorted(result.cpu.items(), key=lambda x: -x[1])
    )
    print(f"   CPU ms per document per process: {per_document}")
    # What the processes burn idle (polls, heartbeats) grows with the run's wall time, which a
    # loaded machine stretches: net of it, the figures compare across runs and machines.
    net = {
        name: max(0.0, seconds - result.idle_rate.get(name, 0.0) * result.wall)
        for name, seconds in result.cpu.items()
    }
    idle_total = sum(result.idle_rate.values())
    print(
        f"   idle CPU: {1000 * idle_total:.0f} ms per second ({idle_total * result.wall:.1f} s "
        f"of this run's {result.wall:.1f} s): "
        + ", ".join(
            f"{name} {1000 * rate:.0f}"
            for name, rate in sorted(result.idle_rate.items(), key=lambda x: -x[1])
        )
    )
    print(
        f"   CPU per document net of idle: {1000 * sum(net.values()) / result.count:.1f} ms: "
        + ", ".join(
            f"{name} {1000 * seconds / result.count:.2f}"
            for name, seconds in sorted(net.items(), key=lambda x: -x[1])
        )
    )
    print(
        f"   machine: {result.machine_cpu_percent:.0f} % CPU of {psutil.cpu_count()} cores, "
        f"load average {result.load[0]:.2f} {result.load[1]:.2f} {result.load[2]:.2f}, "
        f"{result.context_switches / result.count:.0f} context switches per document, "
        f"{result.steal_seconds:.1f} s stolen by the host"
        + (
            ""
            if result.cpu_pressure is None
            else f", some task waiting for a CPU {100 * result.cpu_pressure:.0f} % of the time"
        )
    )
    print(
        "   consumer batches (messages per batch): "
        + ", ".join(
            f"{name} {batches} ({messages / batches:.1f})"
            for name, (batches, messages) in sorted(result.batches.items(), key=lambda x: -x[1][0])
            if batches
        )
    )
    lagging = {group: n for group, n in result.lag.items() if n}
    print(f"   consumer lag at the end: {lagging or 'none'}")


def reference_loop_seconds() -> float:
    """Seconds one core takes for a fixed pure-Python loop (best of three): printed before and
    after the runs, since CPU per document scales with it and a shared machine's speed moves."""

    def once() -> float:
        began = time.perf_counter()
        total = 0
        for number in range(REFERENCE_LOOP):
            total += number
        return time.perf_counter() - began

    return min(once() for _ in range(3))


REFERENCE_LOOP = 10_000_000


def print_machine_speed(when: str) -> None:
    print(
        f"machine speed {when}: {REFERENCE_LOOP:,} additions in a Python loop take "
        f"{reference_loop_seconds():.2f} s on one core",
        flush=True,
    )


async def main(args: argparse.Namespace) -> None:
    print_machine_speed("before")
    processes = [int(n) for n in args.consumer_processes.split(",")]
    results: list[RunResult] = []
    if 0 in processes:
        results += await bench_stack(args, [[0]], first_run=len(results))
    if scaled := [n for n in processes if n > 0]:
        rounds = alternated_rounds(scaled, args.rounds)
        results += await bench_stack(args, rounds, first_run=len(results))
    if len(set(processes)) > 1 or args.rounds > 1:
        report_by_processes(results)
    print_machine_speed("after")


async def bench_stack(
    args: argparse.Namespace, rounds: list[list[int]], first_run: int = 0
) -> list[RunResult]:
    """One stack with the most consumer processes asked for; each run, round by round in the
    rounds' order, stops or starts some of them first (on the same stack, alternated, so that
    a shared machine's changing speed falls on every count alike)."""
    most = max(count for round_ in rounds for count in round_)
    root = (
        Path(args.root) / f"consumer-processes-{most}"
        if args.root
        else Path(tempfile.mkdtemp(prefix="ledgerline-bench-"))
    )
    stack = Stack(root, consumer_processes=most)
    began = time.monotonic()
    results: list[RunResult] = []
    try:
        await stack.start()
        dossiers = await activate_dossiers(stack, args.dossiers)
        if args.auto_forward:
            await auto_forward(stack, dossiers)
        print(
            f"stack up with {args.dossiers} dossiers in {time.monotonic() - began:.0f} s "
            f"(logs in {root / 'logs'})",
            flush=True,
        )
        for round_index, count in ((i, c) for i, round_ in enumerate(rounds) for c in round_):
            if count:
                scaled = time.monotonic()
                await stack.run_consumer_processes(count)
                print(
                    f"{count} consumer processes per service, every consumer group settled "
                    f"after {time.monotonic() - scaled:.1f} s",
                    flush=True,
                )
            if args.warmup:
                await warm_up(stack, f"WARM{first_run + len(results)}", args, dossiers)
            for rate in [float(r) for r in args.rate.split(",")]:
                result = await run_once(
                    stack,
                    f"RUN{first_run + len(results)}-{uuid.uuid4().hex[:6]}",
                    args.count,
                    dossiers,
                    args.concurrency,
                    rate,
                    args.timeout,
                    args.bulk,
                    args.idle_seconds,
                    auto_forwarded=args.auto_forward,
                    consumer_processes=count,
                    round_index=round_index,
                )
                report(result)
                sys.stdout.flush()
                results.append(result)
    finally:
        await asyncio.to_thread(stack.stop)
    return results


async def warm_up(
    stack: Stack, label: str, args: argparse.Namespace, dossiers: list[BenchDossier]
) -> None:
    """Sends `--warmup` invoices through the pipeline, unmeasured, as the run will: a freshly
    started `consume` process opens its database connections (each new PostgreSQL backend
    loading its catalog caches, each statement prepared once per connection) and runs its
    code for the first time during its first seconds, which a service running for hours does
    not. Without this, every run with more processes than the one before paid for starting
    them."""
    began = time.monotonic()
    batch = invoices(label, args.warmup, dossiers)
    ids, _ = await deliver(
        stack, batch, dossiers, args.concurrency, 0, args.bulk, args.auto_forward
    )
    await wait_for_proposals(stack, ids, args.timeout)
    print(f"warmed up with {args.warmup} invoices in {time.monotonic() - began:.1f} s", flush=True)


def report_by_processes(results: list[RunResult]) -> None:
    """docs/s of every run by consumer processes (and offered rate), with the median."""
    print("\n== end to end docs/s by consumer processes per service")
    keys = sorted({(r.consumer_processes, r.offered_rate or 0.0) for r in results})
    for processes, rate in keys:
        rates = [
            r.docs_per_second
            for r in results
            if (r.consumer_processes, r.offered_rate or 0.0) == (processes, rate)
        ]
        offered = f"offered {rate:g}/s" if rate else "maximum rate"
        print(
            f"   {processes} ({offered}): "
            + ", ".join(f"{value:.1f}" for value in rates)
            + f"; median {statistics.median(rates):.1f}"
        )
    report_pairs(results)


def report_pairs(results: list[RunResult]) -> None:
    """Per round, each count's docs/s as a share of the fewest processes' in the same round at
    the same offered rate, with the median over the rounds and its 95 % interval (rounds share
    no run, and alternate their order: see `ledgerline.devstack.comparison`)."""
    by_round: dict[tuple[float, int], dict[int, float]] = {}
    for result in results:
        if result.consumer_processes:
            key = (result.offered_rate or 0.0, result.round_index)
            by_round.setdefault(key, {})[result.consumer_processes] = result.docs_per_second
    ratios: dict[tuple[float, int, int], list[float]] = {}
    for (rate, _), docs_per_second in sorted(by_round.items()):
        fewest = min(docs_per_second)
        for count, value in sorted(docs_per_second.items()):
            if count != fewest:
                key = (rate, fewest, count)
                ratios.setdefault(key, []).append(value / docs_per_second[fewest])
    for (rate, fewest, count), shares in ratios.items():
        offered = f"offered {rate:g}/s" if rate else "maximum rate"
        interval = median_interval(shares)
        print(
            f"   {count} against {fewest} in the same round ({offered}): "
            + ", ".join(f"{share:.0%}" for share in shares)
            + f"; median {statistics.median(shares):.0%}, 95 % interval "
            + (f"{interval[0]:.0%}-{interval[1]:.0%}" if interval else "from six rounds")
        )


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=600, help="invoices per run")
    parser.add_argument("--dossiers", type=int, default=20, help="dossiers they are spread over")
    parser.add_argument("--concurrency", type=int, default=16, help="uploads in flight")
    parser.add_argument(
        "--rate",
        default="0,50",
        help="offered uploads/s per run, comma-separated; 0 = as fast as possible",
    )
    parser.add_argument(
        "--bulk",
        type=int,
        default=0,
        help="deliver N invoices per request through the bulk intake (0: upload + submit each)",
    )
    parser.add_argument(
        "--auto-forward",
        action="store_true",
        help="the dossiers auto-forward purchase documents: one upload request per invoice, "
        "no submit (a separate row from the default upload + submit)",
    )
    parser.add_argument(
        "--consumer-processes",
        default="0",
        help="`<service> consume` processes per service, comma-separated (0: the API process "
        "consumes, on a stack of its own; the other counts share one stack, alternated)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="rounds of the consumer-process counts on one stack, every second one in reverse "
        "order (1,2 then 2,1); a 95 %% interval of the median ratio from six rounds",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=600,
        help="invoices sent through the pipeline, unmeasured, before the runs of each "
        "consumer-process count (0: none)",
    )
    parser.add_argument(
        "--idle-seconds",
        type=float,
        default=10,
        help="seconds the idle CPU of every process is measured before each run",
    )
    parser.add_argument("--timeout", type=float, default=600, help="seconds to wait for proposals")
    parser.add_argument("--root", help="stack directory (default: a new temporary one)")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be 1 or more")
    return args


def _interrupted(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # so that the stack is stopped, not left running without its owner


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _interrupted)
    try:
        asyncio.run(main(parse_args()))
    except KeyboardInterrupt:
        sys.exit("interrupted; the stack was stopped")
