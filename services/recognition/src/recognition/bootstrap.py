from pathlib import Path

from ledgerline.service import ServiceDefinition

from recognition.config import RecognitionSettings
from recognition.entrypoints.api import router
from recognition.entrypoints.consumers import subscriptions


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="recognition",
        title="Ledgerline recognition",
        description="Reads delivered documents into invoice data (Peppol UBL, Factur-X, text PDFs, scans by "
        "OCR) and answers what it read per document.",
        settings_type=RecognitionSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
        subscriptions=subscriptions,
    )
