from datetime import time
from pathlib import Path

from ledgerline.settings import ServiceSettings
from pydantic_settings import SettingsConfigDict


class SyncSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="SYNC_", extra="ignore")

    mail_domain: str = "docs.ledgerline.local"
    ledger_root: Path = Path(".ledgerline/ledgers")
    """Where the reference (Beancount) connector keeps one ledger folder per dossier code."""
    nightly_sync: bool = True
    """Synchronise every active dossier with an in-process connector once a night."""
    nightly_sync_time: time = time(2, 0)
    """When the nightly sync runs, UTC."""
    posting_hold_after_write_seconds: float = 0
    """Tests only: wait this long between the ledger write and the commit of a posting, so that
    a test can kill the process exactly there (as outbox_relay_hold_after_claim_seconds)."""
    smtp_host: str | None = None
    """The platform's SMTP server, for the e-mail telling a client their books were updated
    (manual sync option); none: that option is refused."""
    smtp_port: int = 2525
    smtp_sender: str = "sync@ledgerline.local"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    portal_url: str = "http://127.0.0.1:8000"
    """Where clients read their books (named in the e-mail)."""
