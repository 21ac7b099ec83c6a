from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class RecognitionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECOGNITION_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8002"
    fetch_timeout_seconds: float = Field(default=30.0, gt=0)
