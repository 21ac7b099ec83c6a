"""The worklist's settings, from the environment (prefix WORKLIST_).

`WorklistSettings` is the one settings object of the service: the settings every service has,
its public URL, and those of its conversations (`ConversationSettings`: the mail server that
tells the other side of a new message, retries, attachment limits). The environment variable
names are `WORKLIST_` and the field's name in upper case (`WORKLIST_SMTP_HOST`, ...).
"""

from ledgerline.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConversationSettings(BaseSettings):
    """The conversations' part of `WorklistSettings`."""

    model_config = SettingsConfigDict(env_prefix="WORKLIST_", extra="ignore")

    smtp_host: str | None = Field(
        default=None,
        description="SMTP server that e-mails new messages to the other side; none: no e-mails",
    )
    smtp_port: int = 2525
    smtp_sender: str = "conversations@ledgerline.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    notify_poll_seconds: float = Field(
        default=5, gt=0, description="How often the service looks for e-mails to (re)send"
    )
    notify_max_attempts: int = Field(
        default=8, ge=1, description="Tries per e-mail before it is given up (marked failed)"
    )
    notify_retry_seconds: float = Field(
        default=30, gt=0, description="Wait after a refused e-mail; doubles with every try"
    )
    portal_url: str = Field(
        default="http://127.0.0.1:8003/docs",
        description="Where users read conversations (in e-mails)",
    )
    attachment_max_bytes: int = Field(
        default=10 * 1024 * 1024, gt=0, description="Largest attachment (413 above)"
    )
    attachments_per_message: int = Field(default=5, ge=1, le=20)


class WorklistSettings(ServiceSettings, ConversationSettings):
    model_config = SettingsConfigDict(env_prefix="WORKLIST_", extra="ignore")

    public_base_url: str = "http://127.0.0.1:8003"
