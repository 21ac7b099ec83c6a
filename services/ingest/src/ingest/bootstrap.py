from pathlib import Path

from ledgerline.service import ServiceDefinition

from ingest.config import IngestSettings
from ingest.entrypoints.api import router
from ingest.entrypoints.consumers import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="ingest",
        title="Ledgerline ingest",
        description="Mailboxes per dossier: documents delivered by upload, API, e-mail and Peppol.",
        settings_type=IngestSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
        subscriptions=lambda _settings: SUBSCRIPTIONS,
    )
