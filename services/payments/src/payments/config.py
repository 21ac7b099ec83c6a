from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8005"
    smtp_host: str = Field(default="127.0.0.1", description="SMTP server that sends files to banks")
    smtp_port: int = 2525
    smtp_sender: str = "payments@ledgerline.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
