"""`make run`: the whole platform in the foreground until Ctrl-C."""

import asyncio
import contextlib
import signal
from pathlib import Path

from ledgerline.auth import Role
from ledgerline.demo import DEMO_CLIENT, DEMO_DOSSIER_ID, DEMO_OFFICE_ID
from ledgerline.devstack.stack import DEFAULT_PORTS, SERVICES, Stack


async def run_stack(root: Path, pg_port: int, kafka_port: int) -> None:
    stack = Stack(root, ports=dict(DEFAULT_PORTS))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        print(
            "Ledgerline: starting PostgreSQL and Kafka, migrating, starting services...", flush=True
        )
        await stack.start(pg_port=pg_port, kafka_port=kafka_port, smtp_port=2525)
        await stack.seed_demo()
        print(_banner(stack), flush=True)
        await stop.wait()
    finally:
        print("\nLedgerline: stopping...", flush=True)
        await asyncio.to_thread(stack.stop)
        print("Ledgerline: stopped; no process left behind.", flush=True)


def _banner(stack: Stack) -> str:
    assert stack.infrastructure is not None
    lines = ["", "Ledgerline is running.", ""]
    for service in SERVICES:
        lines.append(f"  {service:<12} {stack.url(service)}/docs")
    lines += [
        "",
        f"  Kafka        {stack.infrastructure.bootstrap_servers}",
        f"  PostgreSQL   {stack.database_urls['ingest'].rsplit('@', 1)[-1].rsplit('/', 1)[0]}",
        f"  SMTP         127.0.0.1:2525 (mail to banks lands in {stack.root / 'mail'})",
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
        "  try:",
        f"    curl -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/xml' "
        f"--data-binary @invoice.xml {stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents",
        "",
        "Press Ctrl-C to stop everything.",
    ]
    return "\n".join(lines)


def main(root: Path, pg_port: int, kafka_port: int) -> int:
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_stack(root, pg_port, kafka_port))
    return 0
