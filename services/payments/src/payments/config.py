from ledgerline.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class PaymentsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8005"
