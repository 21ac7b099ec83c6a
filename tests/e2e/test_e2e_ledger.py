"""The demo dossier's books (the Beancount reference connector) reach the platform, and
validated proposals reach the books, against the running services."""

import asyncio
import json
import time
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from beancount import loader
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack

pytestmark = [pytest.mark.e2e]

DOSSIER_CODE = "PEETERS"


async def eventually(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout} s")
        await asyncio.sleep(0.2)


def office(stack: Stack) -> dict[str, str]:
    return {"Authorization": f"Bearer {stack.token()}"}


def demo_ledger(stack: Stack) -> tuple[list[Any], list[Any]]:
    entries, errors, _ = loader.load_file(str(stack.ledger_root / DOSSIER_CODE / "main.beancount"))
    return entries, errors


async def messages_of(stack: Stack, topic: str, timeout: float = 15) -> list[dict[str, Any]]:
    """Every envelope on the topic so far."""
    assert stack.infrastructure is not None
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.infrastructure.bootstrap_servers,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + timeout
        idle = 0
        while time.monotonic() < deadline and idle < 3:
            batch = await consumer.getmany(timeout_ms=500)
            records = [record for records in batch.values() for record in records]
            idle = 0 if records else idle + 1
            found.extend(json.loads(record.value) for record in records)
    finally:
        await consumer.stop()
    return found


async def test_activation_synchronises_the_demo_ledger_into_sync_s_runs_and_kafka(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:

        async def first_run() -> dict[str, Any] | None:
            response = await http.get(
                f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/syncs", headers=office(stack)
            )
            assert response.status_code == 200, response.text
            runs = [run for run in response.json() if run["trigger"] == "activation"]
            return runs[-1] if runs else None

        run = await eventually(first_run)
    assert run["status"] == "ok", run
    entries, errors = demo_ledger(stack)
    assert errors == []
    counterparties = [e for e in entries if getattr(e, "type", None) == "ledgerline-counterparty"]
    assert run["counterparties"] == len({e.values[0].value for e in counterparties}) >= 20
    chunks = [
        message
        for message in await messages_of(stack, "ledger.synced.v1")
        if message["data"].get("sync_id") == run["id"]
    ]
    assert len(chunks) == run["chunks"] >= 1
    assert chunks[-1]["data"]["last_chunk"] is True
    assert sum(len(c["data"]["counterparty_records"]) for c in chunks) == run["counterparties"]
