from pathlib import Path

from ledgerline.service import ServiceDefinition

from approvals.config import ApprovalsSettings
from approvals.entrypoints.api import router


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="approvals",
        title="Ledgerline approvals",
        description="Invoice approval rules per dossier: create and list them.",
        settings_type=ApprovalsSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
    )
