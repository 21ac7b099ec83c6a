from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class ApprovalsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="APPROVALS_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8004"
    smtp_host: str | None = Field(
        default=None,
        description="SMTP server for approvers' e-mails; none: approvers are not e-mailed",
    )
    smtp_port: int = 2525
    smtp_sender: str = "approvals@ledgerline.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    notify_every_seconds: float = Field(
        default=3600, gt=0, description="At most one e-mail per approver per this many seconds"
    )
    notify_poll_seconds: float = Field(
        default=60, gt=0, description="How often the service looks for e-mails to send"
    )
    portal_url: str = Field(
        default="http://127.0.0.1:8004/docs", description="Where approvers approve (in e-mails)"
    )
