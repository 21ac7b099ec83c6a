"""Services against broker outages and crashes: a service started while Kafka is down waits for
it, the local stack restarts a service that dies, and invoices survive SIGKILLs of services and
of Kafka itself."""

import asyncio
import contextlib
import os
import signal
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from ingest.bootstrap import definition as ingest_definition
from ledgerline.auth import Role, issue_token
from ledgerline.demo import DEMO_DOSSIER_ID, JWT_ISSUER
from ledgerline.devstack.kafka import LocalKafka, ensure_kafka_jars
from ledgerline.devstack.ports import free_port, free_ports
from ledgerline.devstack.stack import ServiceProcess, Stack
from ledgerline.events import DocumentReceived, DossierActivated, Envelope, all_topics, spec_for
from ledgerline.settings import DEV_JWT_SECRET
from ledgerline.testing.databases import MigratedDatabases
from ledgerline.testing.ubl import GeneratedInvoice, Line, Party, generated_invoice

from tests.e2e.helpers import bearer, document_events, eventually, upload_and_submit

pytestmark = [pytest.mark.e2e]


# ---------------------------------------------------------------------- generated invoices


def ubl_invoice(number: str, net: Decimal) -> GeneratedInvoice:
    """A one-line Peppol BIS 3 invoice of `net` EUR at 21% VAT; its totals add up."""
    return generated_invoice(
        number,
        [Line(f"Flour, invoice {number}", net)],
        supplier=Party(
            "Chaos Supplies BV", "BE0403019261", "Gent", street="Kerkstraat 1", postal_zone="9000"
        ),
        customer=Party("Bakkerij Peeters BV", "BE0123456749", "Leuven"),
    )


# ---------------------------------------------------------------------- Kafka down at start


@pytest.fixture
async def own_database(migrated_databases: MigratedDatabases) -> AsyncIterator[str]:
    """A database of its own for an ingest process apart from the session stack's."""
    async with migrated_databases.database(ingest_definition().versions_dir) as url:
        yield url


async def test_a_service_started_while_kafka_is_down_waits_for_it(
    own_database: str, tmp_path: Path
) -> None:
    kafka_port, controller_port = free_ports(2)  # nothing listens there yet
    port = free_port()
    ingest = ServiceProcess(
        "ingest",
        port,
        os.environ
        | {
            "INGEST_DATABASE_URL": own_database,
            "INGEST_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
            "INGEST_OUTBOX_POLL_SECONDS": "0.5",
            "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka_port}",
            "KAFKA_CONNECT_BACKOFF_MAX_SECONDS": "1",
            "LEDGERLINE_JWT_SECRET": DEV_JWT_SECRET,
            "LEDGERLINE_JWT_ISSUER": JWT_ISSUER,
        },
        tmp_path / "ingest.log",
    )
    kafka = LocalKafka(
        tmp_path / "kafka", kafka_port, controller_port, await asyncio.to_thread(ensure_kafka_jars)
    )
    ingest.start()
    try:
        async with httpx.AsyncClient(base_url=ingest.url, timeout=5) as http:

            async def alive() -> httpx.Response | None:
                assert ingest.process is not None
                assert ingest.process.poll() is None, ingest.log_path.read_text()[-3000:]
                with contextlib.suppress(httpx.HTTPError):
                    return await http.get("/healthz")
                return None

            assert (await eventually(alive, 60, "ingest answering /healthz")).status_code == 200
            await asyncio.sleep(2)  # several connection tries later, still up and not ready
            assert ingest.process is not None and ingest.process.poll() is None
            not_ready = await http.get("/readyz")
            assert not_ready.status_code == 503
            checks = not_ready.json()["checks"]
            assert checks["database"] == "ok"
            assert f"not connected to Kafka at 127.0.0.1:{kafka_port}" in checks["kafka"]
            assert "trying again in" in ingest.log_path.read_text()

            await asyncio.to_thread(kafka.start)
            await kafka.create_topics(all_topics())

            async def ready() -> bool | None:
                return (await http.get("/readyz")).status_code == 200 or None

            await eventually(ready, 60, "ingest ready once Kafka is up")

            # An event flows in (the consumer learns the dossier) and out (the outbox relay).
            dossier, office = uuid.uuid4(), uuid.uuid4()
            producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers)
            await producer.start()
            try:
                activated = Envelope[DossierActivated](
                    source="/tests",
                    type=spec_for(DossierActivated).type,
                    dossierid=dossier,
                    officeid=office,
                    correlationid=str(uuid.uuid4()),
                    data=DossierActivated(
                        name="Outage BV",
                        accounting_package="exact",
                        dossier_code="OUTAGE",
                        email_domain="outage.example",
                    ),
                )
                await producer.send_and_wait(
                    spec_for(DossierActivated).topic,
                    activated.model_dump_json().encode(),
                    key=str(dossier).encode(),
                )
            finally:
                await producer.stop()
            token = issue_token(
                secret=DEV_JWT_SECRET,
                subject="outage@office.example",
                office_id=office,
                role=Role.ADMIN,
                dossiers=[dossier],
                issuer=JWT_ISSUER,
            )
            invoice = ubl_invoice("OUT-1", Decimal("10.00"))

            async def delivered() -> str | None:
                response = await http.post(
                    f"/dossiers/{dossier}/documents",
                    content=invoice.xml,
                    headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
                )
                return response.json()["id"] if response.status_code == 201 else None

            document_id = await eventually(delivered, 30, "ingest learning the dossier")
            received = await document_events(
                kafka.bootstrap_servers, spec_for(DocumentReceived).topic, {document_id}, 30
            )
            assert set(received) == {document_id}
    finally:
        ingest.stop()
        await asyncio.to_thread(kafka.stop)


# ---------------------------------------------------------------------- the stack restarts


async def test_services_find_their_group_coordinator_at_start(stack: Stack) -> None:
    """The devstack waits for the broker's group coordinators before the services start, so
    their consumers no longer log GroupCoordinatorNotAvailableError at every start."""
    for service in stack.services.values():
        log = await asyncio.to_thread(service.log_path.read_text)
        assert "GroupCoordinatorNotAvailable" not in log, service.name


async def test_the_stack_restarts_a_service_that_dies(stack: Stack) -> None:
    approvals = stack.services["approvals"]
    assert approvals.process is not None
    killed = approvals.process.pid
    os.killpg(killed, signal.SIGKILL)

    async def restarted_and_ready() -> bool | None:
        process = approvals.process
        if process is None or process.pid == killed or process.poll() is not None:
            return None
        async with httpx.AsyncClient(timeout=3) as http:
            with contextlib.suppress(httpx.HTTPError):
                if (await http.get(approvals.url + "/readyz")).status_code == 200:
                    return True
        return None

    await eventually(restarted_and_ready, 60, "approvals restarted and ready")
    log = approvals.log_path.read_text()
    assert f"approvals (pid {killed}) exited with -9; restarting it in" in log
    assert "approvals restarted (pid" in log


# ---------------------------------------------------------------------- crash test

CHAOS_INVOICES = 200


def _sigkill(service: ServiceProcess) -> int:
    """SIGKILLs the service's process group; the stack's supervisor starts it again."""
    assert service.process is not None
    pid = service.process.pid
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)
    return pid


def _kill_and_restart_kafka(kafka: LocalKafka) -> None:
    """SIGKILL the broker JVM (no clean shutdown) and start it again on its data and ports."""
    pid = kafka.pid
    assert pid is not None
    os.killpg(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while kafka.is_running():
        assert time.monotonic() < deadline, "Kafka survived SIGKILL"
        time.sleep(0.05)
    time.sleep(1)  # the services notice the broker is gone
    kafka.start(timeout=120)


async def dead_lettered(bootstrap: str) -> dict[str, int]:
    """How many messages each dead-letter topic holds (those holding any)."""
    dlq_topics = [topic for topic in all_topics() if topic.endswith(".dlq")]
    consumer = AIOKafkaConsumer(*dlq_topics, bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        deadline = time.monotonic() + 30
        while {partition.topic for partition in consumer.assignment()} != set(dlq_topics):
            assert time.monotonic() < deadline, "no metadata for the dead-letter topics"
            await asyncio.sleep(0.1)
        ends = await consumer.end_offsets(list(consumer.assignment()))
    finally:
        await consumer.stop()
    counts: dict[str, int] = {}
    for partition, end in ends.items():
        counts[partition.topic] = counts.get(partition.topic, 0) + end
    return {topic: count for topic, count in counts.items() if count}


@pytest.mark.chaos
@pytest.mark.timeout(420)
async def test_invoices_survive_killed_services_and_a_kafka_restart(tmp_path: Path) -> None:
    """200 invoices while recognition and worklist are SIGKILLed and Kafka is SIGKILLed and
    restarted: every invoice gets exactly one proposal with its own amounts, and no event
    reaches a dead-letter topic."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("kills Kafka: needs a local broker of its own, not an external one")
    began = time.monotonic()
    stack = Stack(tmp_path / "chaos")
    try:
        await stack.start()
        await stack.seed_demo()
        print(f"chaos: stack up in {time.monotonic() - began:.0f} s")
        assert stack.infrastructure is not None and stack.infrastructure.kafka is not None
        kafka = stack.infrastructure.kafka
        dossier = DEMO_DOSSIER_ID
        headers = bearer(stack)
        invoices = [
            ubl_invoice(f"CHAOS-{n:04d}", Decimal("100.00") + Decimal(n) * Decimal("1.37"))
            for n in range(1, CHAOS_INVOICES + 1)
        ]
        by_document: dict[str, GeneratedInvoice] = {}
        gate = asyncio.Semaphore(6)

        async with httpx.AsyncClient(timeout=30, headers=headers) as http:

            async def deliver(invoice: GeneratedInvoice) -> None:
                async with gate:
                    document_id = await upload_and_submit(
                        http, stack, dossier, invoice.xml, filename=f"{invoice.number}.xml"
                    )
                    by_document[document_id] = invoice

            # Four waves; between them, while the earlier ones are still in flight, a crash.
            waves = [invoices[i::4] for i in range(4)]
            chaos: list[Callable[[], Awaitable[Any]]] = [
                lambda: asyncio.to_thread(_sigkill, stack.services["recognition"]),
                lambda: asyncio.to_thread(_sigkill, stack.services["worklist"]),
                lambda: asyncio.to_thread(_kill_and_restart_kafka, kafka),
                lambda: asyncio.gather(
                    asyncio.to_thread(_sigkill, stack.services["recognition"]),
                    asyncio.to_thread(_sigkill, stack.services["worklist"]),
                ),
            ]
            for wave, crash in zip(waves, chaos, strict=True):
                await asyncio.gather(*(deliver(invoice) for invoice in wave))
                await asyncio.sleep(0.5)
                await crash()
            assert len(by_document) == CHAOS_INVOICES
            print(f"chaos: delivered and crashed at {time.monotonic() - began:.0f} s")

            async def all_proposals() -> list[dict[str, Any]] | None:
                with contextlib.suppress(httpx.HTTPError):
                    response = await http.get(
                        f"{stack.url('worklist')}/dossiers/{dossier}/proposals"
                    )
                    if response.status_code == 200:
                        found = response.json()
                        done = {item["document_id"] for item in found} >= by_document.keys()
                        return found if done else None
                return None

            proposals = await eventually(all_proposals, 180, "a proposal for every invoice")
            print(f"chaos: every proposal there at {time.monotonic() - began:.0f} s")

        per_document: dict[str, int] = {}
        for proposal in proposals:
            per_document[proposal["document_id"]] = per_document.get(proposal["document_id"], 0) + 1
        assert {d: n for d, n in per_document.items() if n != 1} == {}
        assert per_document.keys() == by_document.keys()
        for proposal in proposals:
            invoice = by_document[proposal["document_id"]]
            assert proposal["invoice_number"] == invoice.number
            assert Decimal(proposal["total_excl_vat"]) == invoice.net, invoice.number
            assert Decimal(proposal["total_vat"]) == invoice.vat, invoice.number
            assert Decimal(proposal["total_incl_vat"]) == invoice.gross, invoice.number
            assert proposal["status"] in ("ok", "ok_new"), proposal
        assert await dead_lettered(kafka.bootstrap_servers) == {}
        assert stack.services["recognition"].restarts >= 2
        assert stack.services["worklist"].restarts >= 2
    finally:
        await asyncio.to_thread(stack.stop)
