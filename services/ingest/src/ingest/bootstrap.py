from pathlib import Path

from ledgerline.service import ServiceDefinition

from ingest.adapters.blobs import blob_store_server
from ingest.adapters.repository import DIRECTORY_ROW_SQL
from ingest.config import IngestSettings
from ingest.entrypoints.api import ROUTERS as api_routers
from ingest.entrypoints.consumers import SUBSCRIPTIONS
from ingest.entrypoints.mailbox import router as mailbox_router
from ingest.entrypoints.pdfops import merge_subscription
from ingest.entrypoints.pdfops import router as pdfops_router
from ingest.entrypoints.smtp import smtp_server


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="ingest",
        title="Ledgerline ingest",
        description="Mailboxes per dossier (purchase, sales, misc): documents delivered by upload, API, e-mail (SMTP) or Peppol "
        "(PDF, images, UBL/CII XML), their content, and sending them to the office.",
        settings_type=IngestSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[*api_routers, mailbox_router, pdfops_router],
        subscriptions=lambda settings: [*SUBSCRIPTIONS, merge_subscription(settings)],
        # The blob store opens first: the SMTP intake stores into it.
        servers=[blob_store_server, smtp_server],
        dossier_directory_row_sql=DIRECTORY_ROW_SQL,
    )
