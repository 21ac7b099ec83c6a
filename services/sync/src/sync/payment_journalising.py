"""Journalising payments made through the platform: payments' `payment.settled.v1`
(`settled_by: payment`) becomes a bank-journal transaction in the dossier's books.

- In-process connector: sync calls `journalise_payments` (idempotent on the payment id) and
  publishes a ledger.synced.v1 delta run with the settled open item (`settled_items`, and its key
  in `removed_open_items`), so that payments and the worklist see it paid.
- Kafka connector: sync sends `payments.journalise-requested.v1` through the outbox; the
  connector journalises and publishes the delta, whose settled item names the payment: sync
  marks it journalised (`journalisings.mark_settled`, from `on_connector_synced`).
- Refused (payment module off, nothing to settle, the package refuses): the journalising is
  `failed` with the reason, counted in the monitor's sync status, and can be tried again
  (`POST /dossiers/{id}/payment-journalisings/{payment_id}/retry`). The package unreachable:
  `connector_unavailable`, and the handler raises so the consumer retries with backoff and
  keeps the event on `payment.settled.v1.dlq` after the last attempt.
"""

import asyncio
import logging
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    Envelope,
    PaymentSettled,
    PaymentsJournaliseRequested,
)
from ledgerline.subscriptions import Subscription

from sync.adapters import dossiers, journalisings
from sync.adapters.connectors import open_items_at
from sync.config import SyncSettings
from sync.connectors.contract import ConnectorError, ConnectorUnavailable
from sync.domain.journalising import (
    NotJournalisable,
    item_of,
    payment_request,
    settlement,
    to_journalise,
)
from sync.domain.kafka_connector import posting_route
from sync.service_layer import NoConnector, dossier_connector, synchronise, take_snapshot

log = logging.getLogger(__name__)


def _row(office_id: UUID, dossier_id: UUID, data: PaymentSettled) -> dict[str, Any]:
    return {
        "payment_id": data.payment_id,
        "office_id": office_id,
        "dossier_id": dossier_id,
        "document_id": data.document_id,
        "amount": data.amount,
        "paid_on": data.settled_on,
        "settled": data.model_dump(mode="json"),
    }


async def journalise(
    uow: UnitOfWork,
    office_id: UUID,
    dossier_id: UUID,
    data: PaymentSettled,
    settings: SyncSettings,
) -> dict[str, Any]:
    """Journalise one settled payment through the dossier's connector; the journalising's new
    state (also saved). Raises ConnectorUnavailable after recording that it waits."""
    row = _row(office_id, dossier_id, data)
    dossier = await dossiers.get(uow.conn, office_id, dossier_id)

    async def failed(reason: str) -> dict[str, Any]:
        log.warning(
            "payment %s of dossier %s not journalised: %s", data.payment_id, dossier_id, reason
        )
        outcome = row | {"status": "failed", "reason": reason}
        await journalisings.save(uow.conn, outcome)
        return outcome

    if dossier is None or not dossier["active"]:
        return await failed(f"dossier {dossier_id} is not an active dossier")
    if not dossier["payment_module"]:
        return await failed(
            f"the payment module of dossier {dossier['dossier_code']} is off: payments made "
            "through the platform are not journalised; switch it on and retry, or journalise "
            "the payment in the package"
        )
    code = dossier["dossier_code"]
    if data.settles_journal is None and data.document_id is not None:
        # Payments did not know the invoice's booking yet (its booking.posted.v1 on its way):
        # sync posted it, and knows.
        booked = await journalisings.booking_of_document(
            uow.conn, office_id, dossier_id, data.document_id
        )
        if booked is not None:
            data = data.model_copy(
                update={
                    "settles_journal": booked["journal"],
                    "settles_document_number": booked["document_number"],
                }
            )
    if posting_route(dossier["connector"]) == "kafka":
        try:
            payment = payment_request(data)
        except NotJournalisable as exc:
            return await failed(str(exc))
        uow.emit(
            PaymentsJournaliseRequested(
                dossier_code=code,
                accounting_package=dossier["accounting_package"],
                payments=(payment,),
            ),
            dossier_id=dossier_id,
            office_id=office_id,
            subject=f"payments/{data.payment_id}",
        )
        outcome = row | {"status": "requested"}
        await journalisings.save(uow.conn, outcome)
        return outcome
    try:
        connector = dossier_connector(dossier, settings)
        snapshot = await take_snapshot(connector, code)
        # Every item with what was paid on it (settled ones too, where the connector can say):
        # a payment journalised before a crash still finds the item it settled.
        # (`date.max`: invoices dated after the payment too.)
        items = await asyncio.to_thread(open_items_at, connector, code, date.max)
        payment = payment_request(data, items)
        before = item_of(items, payment)
        [result] = await asyncio.to_thread(connector.journalise_payments, code, (payment,))
        after = item_of(await asyncio.to_thread(open_items_at, connector, code, date.max), payment)
    except ConnectorUnavailable as exc:
        await _remember_unavailable(settings, row | {"reason": exc.reason})
        raise
    except (NoConnector, NotJournalisable) as exc:
        return await failed(str(exc))
    except ConnectorError as exc:
        return await failed(exc.reason)
    settled = settlement(payment, before, after, snapshot.counterparties)
    # A delta run: the bank journal's next number, the settled item (or its new paid amount),
    # and whatever else changed in the books since the previous run.
    await synchronise(
        uow,
        dossier,
        settings,
        trigger="payment",
        full=False,
        settled_items=settled.settled_items,
    )
    outcome = row | {
        "status": "journalised",
        "journal": result.journal,
        "document_number": result.document_number,
        "transaction_id": result.transaction_id,
    }
    await journalisings.save(uow.conn, outcome)
    return outcome


async def on_payment_settled(
    uow: UnitOfWork, event: Envelope[PaymentSettled], settings: SyncSettings
) -> None:
    if not to_journalise(event.data):
        return  # the books settled it, or an older producer: nothing to book
    current = await journalisings.get(uow.conn, event.officeid, event.data.payment_id)
    if current is not None and current["status"] == "journalised":
        return  # journalised already (the connector would say so too)
    await journalise(uow, event.officeid, event.dossierid, event.data, settings)


async def _remember_unavailable(settings: SyncSettings, values: dict[str, Any]) -> None:
    """Outside the handler's transaction, which rolls back: the office sees the payment wait."""
    try:
        connection = await asyncpg.connect(settings.database_url)
    except (OSError, asyncpg.PostgresError):
        log.exception("could not record that payment %s waits", values["payment_id"])
        return
    try:
        await journalisings.save(connection, values | {"status": "connector_unavailable"})
    finally:
        await connection.close()


def journalising_subscriptions(settings: SyncSettings) -> list[Subscription[Any]]:
    async def handle(uow: UnitOfWork, event: Envelope[PaymentSettled]) -> None:
        await on_payment_settled(uow, event, settings)

    return [Subscription(PaymentSettled, handle)]
