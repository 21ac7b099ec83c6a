from ledgerline.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class WorklistSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="WORKLIST_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8003"
