"""Which connector speaks to a dossier's accounting package.

Only the reference connector (Beancount, one ledger folder per dossier code under
`SYNC_LEDGER_ROOT`) runs in-process today; the other packages' connectors plug in over Kafka
(docs/connectors.md) and have none here. The feedback reports of a Kafka-connected dossier read
sync's copy of what its connector published (`SyncedBooks`) through the same reads.
"""

from datetime import date
from functools import cache
from pathlib import Path

from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import (
    AccountTotal,
    Connector,
    ConnectorError,
    LedgerMovement,
    OpenItem,
    OpenItemMovement,
)
from sync.domain.synced_books import SyncedBooks

# What the feedback reports read: a dossier's connector, or sync's copy of its books.
Books = Connector | SyncedBooks

IN_PROCESS_PACKAGES = frozenset({"beancount"})


@cache
def _beancount(root: Path) -> BeancountConnector:
    # One per ledger root and process: it caches the last ledger it loaded per dossier.
    return BeancountConnector(root)


def connector_for(accounting_package: str, ledger_root: Path) -> Connector | None:
    """The in-process connector of the package, or None when it has none."""
    if accounting_package == "beancount":
        return _beancount(Path(ledger_root).resolve())
    return None


def check_dossier_code(connector: Connector, dossier_code: str) -> None:
    """Raise UnknownDossier when the package has no dossier with that code (cheap checks only:
    the Beancount connector looks for the ledger folder)."""
    if isinstance(connector, BeancountConnector):
        connector.folder(dossier_code)


def open_items_at(connector: Books, dossier_code: str, pivot: date) -> list[OpenItem]:
    """Every item with what was paid on it up to the pivot. The Beancount connector reads that
    from the ledger's dates, the synced books from the items' histories; a connector without
    history gives today's open items."""
    if isinstance(connector, (BeancountConnector, SyncedBooks)):
        return connector.open_items(dossier_code, as_of=pivot)
    return list(connector.snapshot(dossier_code).open_items)


class NoGeneralLedger(ConnectorError):
    """The connector gives open items and master data but no general ledger lines."""


def ledger_movements(
    connector: Books, dossier_code: str
) -> list[LedgerMovement] | list[AccountTotal]:
    """The general ledger behind the P&L, balance sheet and key figures: the Beancount
    connector's postings, or the synced books' totals per account and period (a connector
    over Kafka publishes them); another in-process connector answers NoGeneralLedger."""
    if isinstance(connector, (BeancountConnector, SyncedBooks)):
        return connector.ledger_movements(dossier_code)
    raise NoGeneralLedger(f"the {connector.name} connector gives no general ledger lines")


def open_item_history(
    connector: Books, dossier_code: str, journal: str, document_number: str
) -> list[OpenItemMovement] | None:
    if isinstance(connector, (BeancountConnector, SyncedBooks)):
        return connector.open_item_history(dossier_code, journal, document_number)
    raise NoGeneralLedger(f"the {connector.name} connector gives no history of open items")
