"""The world sync's integration tests share (the `world` fixture of this folder's conftest):
sync's own database at its migration head, settings whose ledger root is a copy of the demo
ledger, an office and its dossiers on that ledger, and what arrives there: an activation, a
validated proposal posted; what sync then wrote is read from its outbox and the ledger.

Beside it, the reference Kafka connector (the `connector` fixture): its own database and the
same ledger, the events passed from one outbox to the other side's handler as Kafka would
deliver them (`drain`)."""

import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.db import UnitOfWork
from ledgerline.devstack.ports import free_port
from ledgerline.events import (
    DossierActivated,
    Envelope,
    ProposalLine,
    ProposalValidated,
    spec_for_topic,
)
from ledgerline.testing.http import service_client
from sync import service_layer
from sync.adapters import dossiers
from sync.bootstrap import definition
from sync.config import SyncSettings
from sync.connectors.demo.generate import DOSSIER_CODE
from sync.kafka_connector.settings import ConnectorSettings

Handler = Callable[..., Awaitable[None]]


@dataclass
class World:
    """Sync's database (`pool`), settings whose ledger root is a copy of the demo ledger, and
    the office whose dossiers the tests add."""

    pool: asyncpg.Pool
    settings: SyncSettings
    office: uuid.UUID

    @asynccontextmanager
    async def http(self) -> AsyncIterator[httpx.AsyncClient]:
        """`async with world.http() as http:` sync's HTTP API on this world's database and
        ledger (no consumers, relay or nightly sync: the test hands it its events)."""
        settings = SyncSettings(
            database_url=self.settings.database_url,
            ledger_root=self.settings.ledger_root,
            nightly_sync=False,
            kafka_bootstrap_servers=f"127.0.0.1:{free_port()}",
            run_consumers=False,
            run_outbox_relay=False,
        )
        async with service_client(definition(), settings) as http:
            yield http

    @staticmethod
    def proposal(**changes: Any) -> ProposalValidated:
        """The worklist's validated proposal: L0003's invoice F-77 of 121.00, one 21 % line;
        `changes` are other field values."""
        values: dict[str, Any] = {
            "proposal_id": uuid.uuid4(),
            "document_id": uuid.uuid4(),
            "journal": "CFAAN",
            "period": "2026-11",
            "counterparty_number": "L0003",
            "invoice_number": "F-77",
            "invoice_date": date(2026, 11, 20),
            "currency": "EUR",
            "total_excl_vat": Decimal("100.00"),
            "total_vat": Decimal("21.00"),
            "total_incl_vat": Decimal("121.00"),
            "validated_by": "eva@office.example",
            "lines": (
                ProposalLine(
                    gl_account="604000",
                    amount_excl_vat=Decimal("100.00"),
                    vat_code="A21",
                    vat_amount=Decimal("21.00"),
                ),
            ),
        }
        return ProposalValidated(**(values | changes))

    async def dossier(self, **options: Any) -> uuid.UUID:
        """A new dossier of the office on the demo ledger (beancount, PEETERS), as the dossier
        directory records it; `options` are other columns (payment_module, connector, ...)."""
        dossier_id = uuid.uuid4()
        async with UnitOfWork(self.pool, source="test") as uow:
            inserted = await dossiers.insert(
                uow.conn,
                {
                    "id": dossier_id,
                    "office_id": self.office,
                    "name": "Bakkerij Peeters BV",
                    "vat_number": None,
                    "accounting_package": "beancount",
                    "dossier_code": DOSSIER_CODE,
                    "configuration": "C",
                    "language": "nl",
                    **options,
                },
            )
        assert inserted is not None  # not a package dossier code its office activated already
        return dossier_id

    def envelope(
        self,
        data: Any,
        dossier: uuid.UUID,
        source: str = "/ledgerline/test",
        office: uuid.UUID | None = None,
    ) -> Any:
        """`data` in an envelope of the dossier of the office (else the world's), as `source`
        would send it."""
        return Envelope[type(data)](  # type: ignore[misc]
            source=source,
            type="t",
            dossierid=dossier,
            officeid=office or self.office,
            correlationid="c",
            data=data,
        )

    @staticmethod
    def activation(**changes: Any) -> DossierActivated:
        """dossier.activated.v1 of the demo dossier (PEETERS on beancount); `changes` are other
        field values (connector="kafka")."""
        values: dict[str, Any] = {
            "name": "Bakkerij Peeters BV",
            "accounting_package": "beancount",
            "dossier_code": DOSSIER_CODE,
            "email_domain": "docs.example",
        }
        return DossierActivated(**(values | changes))

    async def handle(self, handler: Handler, event: Any) -> None:
        """One of sync's handlers (service_layer.on_...) run once on `event`, as its consumer
        would."""
        async with UnitOfWork(self.pool, source="sync") as uow:
            await handler(uow, event, self.settings)

    async def activate(self, dossier: uuid.UUID) -> None:
        """dossier.activated.v1 handled: the books published once, the dossier's first run."""
        await self.handle(
            service_layer.on_dossier_activated, self.envelope(self.activation(), dossier)
        )

    async def validate(self, dossier: uuid.UUID, validated: ProposalValidated) -> None:
        """proposal.validated.v1 from the worklist, handled once."""
        event = self.envelope(validated, dossier, "/ledgerline/worklist")
        await self.handle(service_layer.on_proposal_validated, event)

    async def posting(self, proposal_id: uuid.UUID) -> asyncpg.Record | None:
        """Sync's posting of the proposal, if it has one."""
        return await self.pool.fetchrow(
            "SELECT * FROM postings WHERE proposal_id = $1", proposal_id
        )

    async def post(
        self, dossier: uuid.UUID, validated: ProposalValidated | None = None
    ) -> dict[str, Any]:
        """The proposal (else a new `proposal()`) validated and posted through the in-process
        connector: its posting."""
        validated = validated or self.proposal()
        await self.validate(dossier, validated)
        row = await self.posting(validated.proposal_id)
        assert row is not None and row["status"] == "posted"
        return dict(row)

    async def outbox(self, topic: str) -> list[dict[str, Any]]:
        """The messages (whole envelopes) sync's outbox holds for `topic`, oldest first."""
        rows = await self.pool.fetch(
            "SELECT payload FROM outbox WHERE topic = $1 ORDER BY id", topic
        )
        return [
            json.loads(row["payload"]) if isinstance(row["payload"], str) else row["payload"]
            for row in rows
        ]

    def bookings(self) -> bytes:
        """The demo dossier's bookings file as it is now (to see that nothing wrote to it)."""
        return (self.settings.ledger_root / DOSSIER_CODE / "bookings.beancount").read_bytes()

    def transactions(
        self, meta: str, value: uuid.UUID, root: Path | None = None
    ) -> list[bean_data.Transaction]:
        """The demo dossier's transactions whose `meta` (proposal-id, payment-id) is `value`,
        loaded by Beancount from `root` (else sync's ledger root), which finds no error."""
        ledger = (root or self.settings.ledger_root) / DOSSIER_CODE / "main.beancount"
        entries, errors, _ = loader.load_file(str(ledger))
        assert errors == []
        return [
            entry
            for entry in entries
            if isinstance(entry, bean_data.Transaction) and entry.meta.get(meta) == str(value)
        ]


@dataclass
class Connector:
    """The reference Kafka connector: its database (`pool`) and settings, whose ledger root is
    the world's copy of the demo ledger."""

    pool: asyncpg.Pool
    settings: ConnectorSettings

    async def handle(self, handler: Handler, event: Any) -> None:
        """One of the connector's handlers (kafka_connector.service.on_...) run once on
        `event`."""
        async with UnitOfWork(self.pool, source="beancount-connector") as uow:
            await handler(uow, event, self.settings)

    async def answer(self, handler: Handler, event: Any) -> list[Envelope[Any]]:
        """The connector handles `event`: what it publishes in answer."""
        await self.handle(handler, event)
        return await drain(self.pool)


async def drain(pool: asyncpg.Pool) -> list[Envelope[Any]]:
    """The outbox's rows not taken yet, as typed envelopes (what Kafka would deliver)."""
    rows = await pool.fetch("SELECT id, topic, payload FROM outbox WHERE published_at IS NULL")
    await pool.execute("UPDATE outbox SET published_at = now() WHERE published_at IS NULL")
    envelopes = []
    for row in sorted(rows, key=lambda row: row["id"]):
        model = spec_for_topic(row["topic"]).model
        envelopes.append(Envelope[model].model_validate(json.loads(row["payload"])))  # type: ignore[valid-type]
    return envelopes


def of_type(envelopes: list[Envelope[Any]], model: type) -> list[Envelope[Any]]:
    """The envelopes whose data is a `model`."""
    return [envelope for envelope in envelopes if isinstance(envelope.data, model)]
