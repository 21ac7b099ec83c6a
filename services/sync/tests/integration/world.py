"""The world sync's integration tests share (the `world` fixture of this folder's conftest):
sync's own database at its migration head, settings whose ledger root is a copy of the demo
ledger, an office and its dossiers on that ledger, and what arrives there: an activation, a
validated proposal posted; what sync then wrote is read from its outbox and the ledger."""

import json
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.db import UnitOfWork
from ledgerline.events import DossierActivated, Envelope, ProposalLine, ProposalValidated
from sync import service_layer
from sync.adapters import dossiers
from sync.config import SyncSettings
from sync.connectors.demo.generate import DOSSIER_CODE


@dataclass
class World:
    """Sync's database (`pool`), settings whose ledger root is a copy of the demo ledger, and
    the office whose dossiers the tests add."""

    pool: asyncpg.Pool
    settings: SyncSettings
    office: uuid.UUID

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
            await dossiers.insert(
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
        return dossier_id

    def envelope(self, data: Any, dossier: uuid.UUID, source: str = "/ledgerline/test") -> Any:
        """`data` in an envelope of the office's dossier, as `source` would send it."""
        return Envelope[type(data)](  # type: ignore[misc]
            source=source,
            type="t",
            dossierid=dossier,
            officeid=self.office,
            correlationid="c",
            data=data,
        )

    async def activate(self, dossier: uuid.UUID) -> None:
        """dossier.activated.v1 handled: the books published once, the dossier's first run."""
        activated = DossierActivated(
            name="Bakkerij Peeters BV",
            accounting_package="beancount",
            dossier_code=DOSSIER_CODE,
            email_domain="docs.example",
        )
        async with UnitOfWork(self.pool, source="sync") as uow:
            await service_layer.on_dossier_activated(
                uow, self.envelope(activated, dossier), self.settings
            )

    async def validate(self, dossier: uuid.UUID, validated: ProposalValidated) -> None:
        """proposal.validated.v1 from the worklist, handled once."""
        event = self.envelope(validated, dossier, "/ledgerline/worklist")
        async with UnitOfWork(self.pool, source="sync") as uow:
            await service_layer.on_proposal_validated(uow, event, self.settings)

    async def post(
        self, dossier: uuid.UUID, validated: ProposalValidated | None = None
    ) -> dict[str, Any]:
        """The proposal (else a new `proposal()`) validated and posted through the in-process
        connector: its posting."""
        validated = validated or self.proposal()
        await self.validate(dossier, validated)
        row = await self.pool.fetchrow(
            "SELECT * FROM postings WHERE proposal_id = $1", validated.proposal_id
        )
        assert row["status"] == "posted"
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
