"""What the end-to-end tests share: waiting for the asynchronous services, delivering documents
to ingest, reading the events on Kafka as another consumer would, booking an invoice and
paying it through payments, and reading a Beancount ledger with Beancount itself."""

import asyncio
import contextlib
import functools
import importlib.util
import json
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.demo import DEMO_DOSSIER_ID, DEMO_OFFICE_ID
from ledgerline.devstack.paths import REPO_ROOT
from ledgerline.devstack.stack import Stack
from ledgerline.events import Envelope, EventData, ProposalLine, ProposalValidated, spec_for
from ledgerline.testing.events import envelope as event_envelope
from ledgerline.testing.kafka import records_from_beginning
from ledgerline.testing.ubl import base_example

T = TypeVar("T")

# --------------------------------------------------------------------------- waiting


async def eventually(
    probe: Callable[[], Awaitable[T | None]],
    timeout: float = 30,
    what: str = "the probe",
    interval: float = 0.2,
) -> T:
    """Calls `probe` until it answers something other than None and returns that answer; after
    `timeout` seconds fails the test, naming `what` it waited for."""
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: nothing after {timeout:.0f} s")
        await asyncio.sleep(interval)


# --------------------------------------------------------------------------- HTTP


def bearer(stack: Stack, **claims: Any) -> dict[str, str]:
    """The Authorization header of a token of the local stack (`Stack.token` claims)."""
    return {"Authorization": f"Bearer {stack.token(**claims)}"}


async def upload(
    http: httpx.AsyncClient,
    stack: Stack,
    dossier: uuid.UUID | str,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    *,
    mailbox: str | None = None,
    filename: str | None = None,
    content_type: str = "application/xml",
) -> dict[str, Any]:
    """Uploads a document to the dossier's mailbox through ingest; the stored document."""
    params = {"mailbox": mailbox, "filename": filename}
    response = await http.post(
        f"{stack.url('ingest')}/dossiers/{dossier}/documents",
        params={name: value for name, value in params.items() if value is not None},
        content=content,
        headers={**(headers or {}), "Content-Type": content_type},
    )
    assert response.status_code == 201, response.text
    document: dict[str, Any] = response.json()
    return document


async def submit(
    http: httpx.AsyncClient,
    stack: Stack,
    dossier: uuid.UUID | str,
    document_id: str,
    headers: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Submits a document in the mailbox for processing; the document, now in processing."""
    response = await http.post(
        f"{stack.url('ingest')}/dossiers/{dossier}/documents/{document_id}/submit",
        headers=dict(headers or {}),
    )
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


async def upload_and_submit(
    http: httpx.AsyncClient,
    stack: Stack,
    dossier: uuid.UUID | str,
    content: bytes,
    headers: Mapping[str, str] | None = None,
    **options: str,
) -> str:
    """Uploads a document (`options` as `upload` takes them) and submits it; its id."""
    document = await upload(http, stack, dossier, content, headers, **options)
    await submit(http, stack, dossier, document["id"], headers)
    document_id: str = document["id"]
    return document_id


async def activate_dossier(
    stack: Stack,
    name: str,
    code_prefix: str,
    headers: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> uuid.UUID:
    """Activates a new Exact dossier through sync (as `headers`, else the demo office's
    administrator; with activation `options` such as `validation`) and waits until every
    service knows it."""
    dossier = uuid.uuid4()
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            stack.url("sync") + "/dossiers",
            json={
                "id": str(dossier),
                "name": name,
                "accounting_package": "exact",
                "dossier_code": f"{code_prefix}-{dossier.hex[:8]}",
                **(options or {}),
            },
            headers=dict(headers or bearer(stack)),
        )
    assert response.status_code == 201, response.text
    await stack.wait_for_dossier(dossier)
    if options and "validation" in options:
        await worklist_knows_validation(stack, dossier, options["validation"])
    return dossier


async def worklist_knows_validation(stack: Stack, dossier: uuid.UUID, mode: str) -> None:
    """Until the worklist's copy of the dossier's validation mode says `mode`."""

    async def known() -> bool | None:
        connection = await asyncpg.connect(stack.database_urls["worklist"])
        try:
            found = await connection.fetchval(
                "SELECT validation FROM dossier_settings WHERE dossier_id = $1", dossier
            )
        finally:
            await connection.close()
        return True if found == mode else None

    await eventually(known, what=f"the worklist to know dossier {dossier} is validated by {mode}")


async def recognition(
    http: httpx.AsyncClient,
    stack: Stack,
    dossier: uuid.UUID | str,
    document_id: str,
    headers: Mapping[str, str] | None = None,
    timeout: float = 60,
) -> dict[str, Any]:
    """The document's recognition, once recognition has one."""

    async def recognised() -> dict[str, Any] | None:
        response = await http.get(
            f"{stack.url('recognition')}/dossiers/{dossier}/recognitions/{document_id}",
            headers=dict(headers or {}),
        )
        return response.json() if response.status_code == 200 else None  # type: ignore[no-any-return]

    return await eventually(recognised, timeout, f"the recognition of document {document_id}")


@functools.cache
def recognition_corpus() -> ModuleType:
    """recognition's benchmark corpus (services/recognition/bench/corpus.py): invoices as PDFs
    and scans with their truth, and the decompression bomb."""
    path = REPO_ROOT / "services" / "recognition" / "bench" / "corpus.py"
    spec = importlib.util.spec_from_file_location("recognition_bench_corpus_e2e", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


# --------------------------------------------------------------------------- Kafka


@dataclass(frozen=True)
class Message:
    topic: str
    envelope: dict[str, Any]
    size: int  # bytes on the wire

    @property
    def data(self) -> dict[str, Any]:
        """The event's data; empty when the envelope carries a `dataref` (claim check) instead."""
        data: dict[str, Any] = self.envelope.get("data") or {}
        return data


def bootstrap_of(stack: Stack) -> str:
    assert stack.infrastructure is not None
    return stack.infrastructure.bootstrap_servers


async def publish_envelopes(stack: Stack, *envelopes: Envelope[Any]) -> None:
    """Publishes envelopes to their events' topics, with their events' keys, as a service would."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_of(stack), acks="all")
    await producer.start()
    try:
        for envelope in envelopes:
            spec = spec_for(envelope.data)
            await producer.send_and_wait(
                spec.topic,
                envelope.model_dump_json().encode(),
                key=spec.message_key(envelope.data, envelope.dossierid).encode(),
            )
    finally:
        await producer.stop()


def envelope_of(
    data: EventData,
    dossier: uuid.UUID = DEMO_DOSSIER_ID,
    office: uuid.UUID = DEMO_OFFICE_ID,
    source: str = "/tests/e2e",
) -> Envelope[Any]:
    return event_envelope(data, office, dossier, source=source)


async def publish(
    stack: Stack,
    *events: EventData,
    dossier: uuid.UUID = DEMO_DOSSIER_ID,
    office: uuid.UUID = DEMO_OFFICE_ID,
) -> None:
    """Publishes events as the service that owns them (ingest, recognition, a connector) would."""
    await publish_envelopes(stack, *(envelope_of(data, dossier, office) for data in events))


async def read_topics(
    bootstrap: str,
    *topics: str,
    keep: Callable[[Message], bool] = lambda message: True,
    enough: Callable[[list[Message]], bool] = lambda found: False,
    quiet_polls: int | None = None,
    timeout: float = 15,
    max_partition_fetch_bytes: int = 1024 * 1024,
) -> list[Message]:
    """The messages on `topics` that `keep` accepts, read from the beginning as a consumer
    without a group. Stops as soon as `enough(found)` holds; with `quiet_polls` (any number:
    the name stays for the callers), once the topics are read to the end they had when reading
    began (every message the broker had acknowledged by then; failing if that takes over
    `timeout` seconds, at least 30); else after `timeout` seconds. The caller asserts on what
    it got."""
    found: list[Message] = []
    to_end = quiet_polls is not None
    records = records_from_beginning(
        bootstrap,
        *topics,
        to_end=to_end,
        timeout=max(timeout, 30) if to_end else timeout,
        max_partition_fetch_bytes=max_partition_fetch_bytes,
    )
    async with contextlib.aclosing(records):
        if enough(found):
            return found
        async for record in records:
            assert record.value is not None
            message = Message(record.topic, json.loads(record.value), len(record.value))
            if keep(message):
                found.append(message)
                if enough(found):
                    break
    return found


async def events_where(
    stack: Stack, topic: str, key: str, value: str, timeout: float = 30
) -> list[dict[str, Any]]:
    """Every envelope on `topic` whose data[key] is `value`, once there is at least one (the
    topic is read to its end each try)."""

    async def matching() -> list[dict[str, Any]] | None:
        found = await read_topics(
            bootstrap_of(stack),
            topic,
            keep=lambda message: message.data.get(key) == value,
            quiet_polls=3,
        )
        return [message.envelope for message in found] or None

    return await eventually(matching, timeout, f"an event on {topic} with {key}={value}")


async def document_events(
    bootstrap: str, topic: str, document_ids: set[str], timeout: float = 20
) -> dict[str, dict[str, Any]]:
    """The envelope on `topic` about each of `document_ids` that has one (the last, if several),
    by document id; stops once every document has one."""
    found = await read_topics(
        bootstrap,
        topic,
        keep=lambda message: message.data.get("document_id") in document_ids,
        enough=lambda found: {message.data["document_id"] for message in found} >= document_ids,
        timeout=timeout,
    )
    return {message.data["document_id"]: message.envelope for message in found}


async def add_dossier_users(
    stack: Stack,
    dossier: uuid.UUID,
    *subjects: str,
    office: uuid.UUID = DEMO_OFFICE_ID,
    profile: str = "client_full_access",
) -> None:
    """Makes `subjects` users of the dossier through sync (as the office's admin) and waits until
    approvals knows them (dossier.users-changed.v1): only they may be named approvers."""
    headers = bearer(stack, office_id=office, dossiers=[dossier])
    async with httpx.AsyncClient(timeout=10, headers=headers) as http:
        for subject in subjects:
            added = await http.post(
                f"{stack.url('sync')}/dossiers/{dossier}/users",
                json={"subject": subject, "name": subject.split("@")[0], "email": subject,
                      "profile": profile},
            )  # fmt: skip
            assert added.status_code in (201, 409), added.text

        async def known() -> bool | None:
            answer = await http.get(f"{stack.url('approvals')}/dossiers/{dossier}/approvers")
            listed = {user["subject"] for user in answer.json()} if answer.is_success else set()
            return True if set(subjects) <= listed else None

        await eventually(known)


# --------------------------------------------------------------------------- the books


def one_line_purchase(net: str, vat: str, **fields: Any) -> ProposalValidated:
    """A purchase invoice's proposal as the worklist validates it (by Eva): one line of `net`
    on GL account 604000 with `vat` of VAT code A21, and those totals; `fields` are other
    field values (the totals included, to make one the books refuse)."""
    base, tax = Decimal(net), Decimal(vat)
    values: dict[str, Any] = {
        "proposal_id": uuid.uuid4(),
        "document_id": uuid.uuid4(),
        "currency": "EUR",
        "total_excl_vat": base,
        "total_vat": tax,
        "total_incl_vat": base + tax,
        "validated_by": "eva@office.example",
        "lines": (
            ProposalLine(gl_account="604000", amount_excl_vat=base, vat_code="A21", vat_amount=tax),
        ),
    }
    return ProposalValidated(**(values | fields))


def beancount_ledger(root: Path, code: str = "PEETERS") -> tuple[list[Any], list[Any], Any]:
    """The Beancount ledger of dossier `code` under `root` (the stack's ledger root: the books
    as sync keeps them), loaded by Beancount itself: its entries, errors and options."""
    return loader.load_file(str(root / code / "main.beancount"))


def transactions_where(entries: list[Any], meta: str, value: str) -> list[bean_data.Transaction]:
    """The ledger's transactions whose metadata `meta` (proposal-id, payment-id) is `value`."""
    return [
        entry
        for entry in entries
        if isinstance(entry, bean_data.Transaction) and entry.meta.get(meta) == value
    ]


def supplier_postings(stack: Stack, document: str) -> tuple[list[Any], Decimal]:
    """The Beancount ledger's transactions and what the suppliers' account still holds for one
    invoice (`journal/document number`), loaded with Beancount itself."""
    entries, errors, _ = beancount_ledger(stack.ledger_root)
    assert errors == []
    balance = sum(
        (
            posting.units.number
            for entry in entries
            if isinstance(entry, bean_data.Transaction)
            for posting in entry.postings
            if posting.account == "Liabilities:440000"
            and (posting.meta or {}).get("document") == document
        ),
        Decimal(0),
    )
    return entries, balance


# --------------------------------------------------------------------------- payments

# The demo dossier's KBC account: a bank account of its books, with its bank journal (KBC).
KBC_IBAN = "BE20734384076256"


def belgian_invoice(number: str) -> bytes:
    """The Peppol base example, paid to a Belgian account with a structured communication."""
    return base_example(
        number, iban="BE71096123456769", bic="GKCCBEBB", payment_id="+++010/8068/17183+++"
    )


class Client:
    """The demo dossier's invoices paid through payments, as the office's administrator."""

    def __init__(self, stack: Stack, http: httpx.AsyncClient) -> None:
        self.stack = stack
        self.http = http
        self.headers = bearer(stack)
        self.base = f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}"

    async def deliver_invoice(self, number: str) -> str:
        document = await upload(
            self.http, self.stack, DEMO_DOSSIER_ID, belgian_invoice(number), self.headers
        )
        document_id: str = document["id"]

        async def payable() -> dict[str, Any] | None:
            found = await self.http.get(
                f"{self.base}/payable-invoices/{document_id}", headers=self.headers
            )
            return found.json() if found.status_code == 200 else None

        invoice = await eventually(payable)
        assert invoice["open_amount"] == "1656.25"
        assert invoice["iban"] == "BE71096123456769"
        assert invoice["payment_reference"] == "+++010/8068/17183+++"
        return document_id

    async def book(self, document_id: str, invoice_number: str) -> str:
        """The delivered invoice validated by the worklist (1368.80 + 287.45 VAT, to supplier
        L0004, in the books' last open period) and posted by sync in CFAAN: its open item
        `journal/document number`."""
        periods = (
            await self.http.get(
                f"{self.stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}/ledger/periods",
                headers=self.headers,
            )
        ).json()
        period = [p["code"] for p in periods if p["status"] == "open"][-1]
        proposal = one_line_purchase(
            "1368.80",
            "287.45",
            document_id=uuid.UUID(document_id),
            journal="CFAAN",
            period=period,
            counterparty_number="L0004",
            invoice_number=invoice_number,
            invoice_date=date(int(period[:4]), int(period[5:]), 12),
            structured_communication="+++010/8068/17183+++",
        )
        assert proposal.total_incl_vat == Decimal("1656.25")
        await publish_envelopes(self.stack, envelope_of(proposal, source="/ledgerline/worklist"))
        [posted] = await events_where(
            self.stack, "booking.posted.v1", "proposal_id", str(proposal.proposal_id), timeout=60
        )
        return f"CFAAN/{posted['data']['document_number']}"

    async def kbc_account(self) -> str:
        """The id of payments' copy of the dossier's KBC account (from its books)."""
        accounts = (await self.http.get(f"{self.base}/bank-accounts", headers=self.headers)).json()
        [kbc] = [a for a in accounts if a["iban"] == KBC_IBAN]
        kbc_id: str = kbc["id"]
        return kbc_id

    async def pay(self, document_id: str, bank_account_id: str | None = None) -> httpx.Response:
        # The demo dossier also has the bank accounts of its books (ledger.synced.v1): name the
        # account to pay from rather than rely on which one came first.
        body = {"document_id": document_id}
        if bank_account_id is not None:
            body["bank_account_id"] = bank_account_id
        return await self.http.post(f"{self.base}/payments", json=body, headers=self.headers)

    async def payment(self, payment_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base}/payments/{payment_id}", headers=self.headers)
        assert response.status_code == 200
        return response.json()  # type: ignore[no-any-return]

    async def sepa_file(self, payment_ids: list[str]) -> dict[str, Any]:
        """A SEPA file made of the payments in the basket."""
        made = await self.http.post(
            f"{self.base}/sepa-files", json={"payment_ids": payment_ids}, headers=self.headers
        )
        assert made.status_code == 201, made.text
        return made.json()  # type: ignore[no-any-return]

    async def payment_module_on(self) -> None:
        """The office allows the payment module, and the demo dossier switches it on."""
        sync = self.stack.url("sync")
        current = (await self.http.get(f"{sync}/office/settings", headers=self.headers)).json()
        kept = ("name", "key_figures_closed_periods_only", "dossier_activation")
        saved = await self.http.put(
            f"{sync}/office/settings",
            json={key: current[key] for key in kept} | {"payment_module_allowed": True},
            headers=self.headers,
        )
        assert saved.status_code == 200, saved.text
        switched = await self.http.patch(
            f"{sync}/dossiers/{DEMO_DOSSIER_ID}",
            json={"payment_module": True},
            headers=self.headers,
        )
        assert switched.status_code == 200, switched.text

    async def journalising(self, payment_id: str, status: str) -> dict[str, Any] | None:
        """Sync's journalising of the payment, if it has one with `status` (a probe for
        `eventually`)."""
        rows = (
            await self.http.get(
                f"{self.stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/payment-journalisings",
                headers=self.headers,
            )
        ).json()
        found = [row for row in rows if row["payment_id"] == payment_id]
        return found[0] if found and found[0]["status"] == status else None

    async def settled_item(self, document: str) -> dict[str, Any]:
        """Payments' open item of the invoice (`journal/document number`, supplier L0004), once
        the books say it is settled."""

        async def settled() -> dict[str, Any] | None:
            items = (
                await self.http.get(
                    f"{self.base}/open-items",
                    params={"status": "settled", "counterparty_number": "L0004"},
                    headers=self.headers,
                )
            ).json()
            return next(
                (i for i in items if f"{i['journal']}/{i['document_number']}" == document), None
            )

        return await eventually(settled, timeout=60)
