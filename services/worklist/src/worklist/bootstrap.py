from pathlib import Path

from ledgerline.service import ServiceDefinition

from worklist.config import WorklistSettings
from worklist.entrypoints.api import router
from worklist.entrypoints.conversations_api import ROUTERS as conversation_routers
from worklist.entrypoints.ledger_api import router as ledger_router
from worklist.service_layer import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="worklist",
        title="Ledgerline worklist",
        description="Booking proposals made from recognised, submitted documents: status, counterparty, "
        "duplicate check, totals; listed and read per dossier.",
        settings_type=WorklistSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router, ledger_router, *conversation_routers],
        subscriptions=lambda _settings: SUBSCRIPTIONS,
    )
