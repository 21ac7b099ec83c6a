"""The books of a Kafka-connected dossier as sync keeps them from its connector's
ledger.synced.v1 (connector_records), read like an in-process connector's ledger.

Pure and read-only: the feedback reports of such a dossier are computed by the same functions
(domain.feedback) from the same reads — `snapshot`, `open_items(as_of=)`, `ledger_movements`,
`open_item_history` — as those of a dossier read in-process, so they give the same figures for
the same books. What was paid on an item at a past pivot comes from the item's history (its
settling lines up to that date); the general ledger comes as totals per account and period,
which is all the P&L, the balance sheet and the key figures sum.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sync.connectors.contract import (
    AccountTotal,
    CounterpartyTurnover,
    ItemHistory,
    LedgerSnapshot,
    OpenItem,
    OpenItemMovement,
)
from sync.domain.kafka_connector import snapshot_of_records

# What each read needs of the kept records (the HTTP layer loads only those kinds).
MASTER_DATA = ("gl_account", "journal", "counterparty", "period")


class SyncedBooks:
    """A dossier's books from the records its external connector published."""

    name = "kafka"

    def __init__(
        self,
        dossier_code: str,
        synced_at: datetime | None,
        records: Iterable[tuple[str, dict[str, Any]]],
    ) -> None:
        self.dossier_code = dossier_code
        self.synced_at = synced_at
        records = list(records)
        self._master = snapshot_of_records(dossier_code, synced_at or datetime.now(UTC), records)
        self._turnover = sorted(
            (CounterpartyTurnover.model_validate(r) for k, r in records if k == "turnover"),
            key=lambda line: (line.kind, line.counterparty_number, line.period, line.currency),
        )
        self._totals = sorted(
            (AccountTotal.model_validate(r) for k, r in records if k == "account_total"),
            key=lambda total: (total.gl_account, total.period),
        )
        self._histories = {
            f"{history.item.journal}/{history.item.document_number}": history
            for history in (
                ItemHistory.model_validate(r) for k, r in records if k == "item_history"
            )
        }

    def snapshot(self, dossier_code: str) -> LedgerSnapshot:
        return self._master.model_copy(
            update={
                "turnover": tuple(self._turnover),
                "account_totals": tuple(self._totals),
                "item_histories": tuple(self._histories.values()),
                "open_items": tuple(
                    item for item in self.open_items(dossier_code) if item.open_amount != 0
                ),
            }
        )

    def open_items(self, dossier_code: str, as_of: date | None = None) -> list[OpenItem]:
        """Every item with what was paid on it up to `as_of` (settled ones too), as the
        Beancount connector reads them from its ledger: an item booked after `as_of` is left
        out."""
        items = [
            item
            for history in self._histories.values()
            if (item := item_as_of(history, as_of)) is not None
        ]
        return sorted(items, key=lambda item: (item.kind, item.invoice_date, item.document_number))

    def ledger_movements(self, dossier_code: str) -> list[AccountTotal]:
        """The general ledger as totals per account and period (what the statements sum)."""
        return list(self._totals)

    def open_item_history(
        self, dossier_code: str, journal: str, document_number: str
    ) -> list[OpenItemMovement] | None:
        history = self._histories.get(f"{journal}/{document_number}")
        return None if history is None else list(history.movements)


def item_as_of(history: ItemHistory, as_of: date | None) -> OpenItem | None:
    """The item with what was paid on it up to `as_of` (None: now): the settling lines dated
    up to then, in the item's sign (a payment of an invoice is negative). None when the item
    itself was booked after `as_of`."""
    if as_of is None:
        return history.item
    own, *settlements = history.movements
    if own.date > as_of:
        return None
    paid = -sum((line.amount for line in settlements if line.date <= as_of), Decimal(0))
    # Nothing paid is 0, never -0, as the connector reads it.
    return history.item.model_copy(update={"amount_paid": paid or Decimal(0)})
