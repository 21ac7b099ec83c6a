from pathlib import Path

from ledgerline.service import ServiceDefinition

from worklist.config import WorklistSettings
from worklist.entrypoints.actions_api import router as actions_router
from worklist.entrypoints.api import router
from worklist.entrypoints.conversations_api import ROUTERS as conversation_routers
from worklist.entrypoints.dossier_settings_consumers import DOSSIER_SETTINGS_SUBSCRIPTIONS
from worklist.entrypoints.ledger_api import router as ledger_router
from worklist.entrypoints.progress_consumers import PROGRESS_SUBSCRIPTIONS
from worklist.entrypoints.suggestion_consumers import SUGGESTION_SUBSCRIPTIONS
from worklist.entrypoints.suggestions_api import router as suggestions_router
from worklist.proposal_merging import MERGE_SUBSCRIPTIONS
from worklist.service_layer import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="worklist",
        title="Ledgerline worklist",
        description="The booking factory: proposals made from recognised, submitted documents, "
        "enriched from the dossier's books (counterparty, journal, period, detail lines with GL "
        "account and VAT code, from the counterparty's templates or learnt from the dossier's "
        "posted bookings), reviewed (statuses, warnings, duplicates, confidence), edited, "
        "checked and sent to the books (proposal.validated.v1; booked on booking.posted.v1); "
        "conversations between the office and the dossier's users.",
        settings_type=WorklistSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router, actions_router, ledger_router, suggestions_router, *conversation_routers],
        subscriptions=lambda _settings: [
            *SUBSCRIPTIONS,
            *SUGGESTION_SUBSCRIPTIONS,
            *DOSSIER_SETTINGS_SUBSCRIPTIONS,
            *MERGE_SUBSCRIPTIONS,
            *PROGRESS_SUBSCRIPTIONS,
        ],
    )
