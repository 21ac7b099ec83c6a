from pathlib import Path

from ledgerline.service import ServiceDefinition

from sync.config import SyncSettings
from sync.entrypoints.api import router
from sync.entrypoints.feedback_api import router as feedback_router
from sync.entrypoints.feedback_reports import router as feedback_reports_router
from sync.entrypoints.journalising_api import router as journalising_router
from sync.entrypoints.ledger_api import router as ledger_router
from sync.entrypoints.monitor_api import router as monitor_router
from sync.entrypoints.office_api import ROUTERS as office_routers
from sync.payment_journalising import journalising_subscriptions
from sync.service_layer import subscriptions


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="sync",
        title="Ledgerline sync",
        description="Dossiers of an office and their accounting package: activate, list and read "
        "them (dossier.activated.v1); synchronise their ledger (ledger.synced.v1), post validated "
        "proposals (booking.posted.v1 / booking.failed.v1; booking.requested.v1 for a dossier whose "
        "package is reached over Kafka), delete bookings it posted (booking.deleted.v1; "
        "booking.delete-requested.v1 over Kafka), feedback reports, the active clients "
        "monitor; the office's settings, employees, client groups and dossier users, and which "
        "dossiers a subject may see.",
        settings_type=SyncSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[
            router,
            ledger_router,
            journalising_router,
            feedback_router,
            feedback_reports_router,
            monitor_router,
            *office_routers,
        ],
        subscriptions=lambda settings: [
            *subscriptions(settings),
            *journalising_subscriptions(settings),
        ],
        # Sync owns the dossiers: dossier_scope reads its own `dossiers` table.
        keeps_dossier_directory=False,
    )
