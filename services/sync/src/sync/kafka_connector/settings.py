from pathlib import Path

from ledgerline.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class ConnectorSettings(ServiceSettings):
    """`CONNECTOR_DATABASE_URL` (its inbox and outbox), `CONNECTOR_LEDGER_ROOT`, and the
    platform-wide Kafka and token settings every service reads."""

    model_config = SettingsConfigDict(env_prefix="CONNECTOR_", extra="ignore")

    ledger_root: Path = Path(".ledgerline/connector-ledgers")
    """One Beancount ledger folder per dossier code (as SYNC_LEDGER_ROOT for the in-process
    connector)."""
    accounting_package: str = "beancount"
    """The requests this connector answers: those of dossiers of this package (another
    package's connector, in its own consumer group, answers the others)."""
    consumer_group: str = "beancount-connector"
    """The Kafka consumer group (and inbox name) of the request topics."""
