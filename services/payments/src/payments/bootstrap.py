from pathlib import Path

from ledgerline.service import ServiceDefinition

from payments.config import PaymentsSettings
from payments.entrypoints.api import router
from payments.entrypoints.consumers import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="payments",
        title="Ledgerline payments",
        description="Bank accounts, payments, basket, SEPA files, EPC QR codes, direct debits.",
        settings_type=PaymentsSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
        subscriptions=lambda _settings: SUBSCRIPTIONS,
    )
