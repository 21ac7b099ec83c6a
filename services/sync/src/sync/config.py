from ledgerline.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class SyncSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SYNC_", extra="ignore")

    mail_domain: str = "docs.ledgerline.local"
