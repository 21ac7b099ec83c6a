"""The demo dossier's books (the Beancount reference connector) reach the platform, and
validated proposals reach the books, against the running services."""

import asyncio
import json
import time
from decimal import Decimal
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


def documents_in_ledger(entries: list[Any]) -> dict[str, tuple[Any, Any]]:
    """Per `journal/document number`: the invoice's amount on the collective account, and what
    the payments settling it add up to, read from the ledger's postings (not the connector)."""
    invoices: dict[str, Any] = {}
    paid: dict[str, Any] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", None) or ():
            document = (posting.meta or {}).get("document")
            if document is None:
                continue
            if "invoice-date" in posting.meta:
                invoices[document] = posting.units.number
            else:
                paid[document] = paid.get(document, 0) + posting.units.number
    return {key: (amount, paid.get(key, 0)) for key, amount in invoices.items()}


async def test_worklist_and_payments_show_the_demo_books_after_activation(stack: Stack) -> None:
    entries, _ = demo_ledger(stack)
    directives = [e for e in entries if getattr(e, "type", None) == "ledgerline-counterparty"]
    numbers = {e.values[0].value for e in directives}
    suppliers = {e.values[0].value for e in directives if e.values[1].value == "supplier"}
    worklist = f"{stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}/ledger"
    async with httpx.AsyncClient(timeout=15) as http:

        async def counterparties() -> list[dict[str, Any]] | None:
            response = await http.get(f"{worklist}/counterparties", headers=office(stack))
            assert response.status_code == 200, response.text
            body = response.json()
            return body if len(body) >= len(numbers) else None

        listed = await eventually(counterparties)
        assert {party["number"] for party in listed} == numbers
        supplier_list = (
            await http.get(
                f"{worklist}/counterparties", params={"kind": "supplier"}, headers=office(stack)
            )
        ).json()
        assert {party["number"] for party in supplier_list} == suppliers
        assert all(party["vat_number"] and party["ibans"] for party in supplier_list)

        accounts = (await http.get(f"{worklist}/accounts", headers=office(stack))).json()
        by_code = {account["code"]: account for account in accounts}
        assert by_code["999999"]["suspense"] is True
        assert by_code["440000"]["pcmn_class"] == 4
        assert by_code["604000"]["type"] == "expense"
        vat_codes = (await http.get(f"{worklist}/vat-codes", headers=office(stack))).json()
        a21 = next(code for code in vat_codes if code["code"] == "A21")
        assert (Decimal(a21["rate"]), a21["direction"], a21["kind"]) == (21, "purchase", "goods")
        journals = (await http.get(f"{worklist}/journals", headers=office(stack))).json()
        cfaan = next(journal for journal in journals if journal["code"] == "CFAAN")
        assert (cfaan["type"], cfaan["number_format"]) == ("purchase", "yy000###")
        periods = (await http.get(f"{worklist}/periods", headers=office(stack))).json()
        assert [period["code"] for period in periods] == [f"2026-{m:02d}" for m in range(1, 13)]

        payments = f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}"

        async def open_items() -> list[dict[str, Any]] | None:
            response = await http.get(f"{payments}/open-items", headers=office(stack))
            assert response.status_code == 200, response.text
            return response.json() or None

        items = await eventually(open_items)
        documents = documents_in_ledger(entries)
        expected_open = {
            key
            for key, (amount, paid) in documents.items()
            if amount + paid != 0  # the collective posting and its payments net to the open part
        }
        assert {f"{i['journal']}/{i['document_number']}" for i in items} == expected_open
        partly_paid = [item for item in items if Decimal(item["amount_paid"]) != 0]
        assert partly_paid, "the demo has partly paid items"
        for item in (items[0], partly_paid[0]):
            posting, paid = documents[f"{item['journal']}/{item['document_number']}"]
            sign = -1 if item["kind"] == "supplier" else 1  # a supplier's invoice is a credit
            assert Decimal(item["amount"]) == sign * posting
            assert Decimal(item["amount_paid"]) == -sign * paid
            assert Decimal(item["open_amount"]) == sign * (posting + paid)

        bank_accounts = (await http.get(f"{payments}/bank-accounts", headers=office(stack))).json()
        chart_ibans = {
            e.meta["iban"].replace(" ", "")
            for e in entries
            if type(e).__name__ == "Open" and "iban" in (e.meta or {})
        }
        assert chart_ibans <= {account["iban"] for account in bank_accounts}
