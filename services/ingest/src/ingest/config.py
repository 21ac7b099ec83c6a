from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class IngestSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="INGEST_", extra="ignore")

    public_base_url: str = Field(
        default="http://127.0.0.1:8001", description="How other services reach ingest"
    )
    max_document_bytes: int = Field(
        default=20 * 1024 * 1024, description="Largest accepted document"
    )
