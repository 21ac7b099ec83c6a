from pathlib import Path

from ledgerline.service import ServiceDefinition

from sync.config import SyncSettings
from sync.entrypoints.api import router


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="sync",
        title="Ledgerline sync",
        description="Dossiers of an office and their accounting package: activate, list and read them "
        "(dossier.activated.v1).",
        settings_type=SyncSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[router],
        # Sync owns the dossiers: dossier_scope reads its own `dossiers` table.
        keeps_dossier_directory=False,
    )
