from pathlib import Path

from ledgerline.service import ServiceDefinition

from payments.config import PaymentsSettings
from payments.entrypoints.api import ROUTERS as api_routers
from payments.entrypoints.consumers import SUBSCRIPTIONS
from payments.entrypoints.ledger_api import router as ledger_router


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="payments",
        title="Ledgerline payments",
        description="Dossier bank accounts and payment settings; payments of recognised invoices through the "
        "basket and XSD-validated SEPA credit-transfer files (sent to the bank by e-mail), or by "
        "EPC QR code.",
        settings_type=PaymentsSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[*api_routers, ledger_router],
        subscriptions=lambda _settings: SUBSCRIPTIONS,
    )
