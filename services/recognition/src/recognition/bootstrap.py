from pathlib import Path

from ledgerline.service import ServiceDefinition

from recognition.config import RecognitionSettings
from recognition.entrypoints.api import router
from recognition.entrypoints.consumers import subscriptions


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="recognition",
        title="Ledgerline recognition",
        description="Reads documents into invoice data: UBL, Factur-X, text PDF and scans.",
        settings_type=RecognitionSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
        subscriptions=subscriptions,
    )
