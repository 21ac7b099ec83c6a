from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from recognition.adapters.reader_pool import (
    DEFAULT_MEMORY_LIMIT_MIB,
    DEFAULT_TIME_LIMIT_SECONDS,
    DEFAULT_WORKERS,
)


class RecognitionSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="RECOGNITION_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8002"
    fetch_timeout_seconds: float = Field(default=30.0, gt=0)
    reader_memory_limit_mib: int = Field(
        default=DEFAULT_MEMORY_LIMIT_MIB,
        ge=128,
        description="Address space of the worker process that reads one PDF or image "
        "(Tesseract included); a document that needs more ends 'empty' with the reason",
    )
    reader_time_limit_seconds: float = Field(
        default=DEFAULT_TIME_LIMIT_SECONDS,
        gt=0,
        description="Time to read one PDF or image; a document that takes longer is stopped "
        "and ends 'empty' with the reason",
    )
    reader_workers: int = Field(
        default=DEFAULT_WORKERS, ge=1, le=64, description="Worker processes reading documents"
    )
