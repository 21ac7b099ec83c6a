from pathlib import Path

from ledgerline.service import ServiceDefinition

from worklist.config import WorklistSettings
from worklist.entrypoints.api import router
from worklist.entrypoints.ledger_api import router as ledger_router
from worklist.entrypoints.suggestion_consumers import SUGGESTION_SUBSCRIPTIONS
from worklist.entrypoints.suggestions_api import router as suggestions_router
from worklist.service_layer import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="worklist",
        title="Ledgerline worklist",
        description="Booking proposals made from recognised, submitted documents: status, counterparty, "
        "duplicate check, totals; listed and read per dossier. Templates of detail lines per "
        "counterparty and GL account / VAT code suggestions learnt from the dossier's posted "
        "bookings.",
        settings_type=WorklistSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router, ledger_router, suggestions_router],
        subscriptions=lambda _settings: [*SUBSCRIPTIONS, *SUGGESTION_SUBSCRIPTIONS],
    )
