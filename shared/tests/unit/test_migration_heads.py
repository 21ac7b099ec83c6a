"""Every service's migrations form one line: parallel branches must be re-chained when merged."""

from pathlib import Path

import ledgerline
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

REPO = Path(__file__).resolve().parents[3]
SERVICES = ("ingest", "recognition", "worklist", "approvals", "payments", "sync")


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_has_one_migration_head(service: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(Path(ledgerline.__file__).parent / "alembic"))
    versions = REPO / "services" / service / "src" / service / "migrations" / "versions"
    config.set_main_option("version_locations", str(versions))
    config.set_main_option("path_separator", "os")
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"{service} has several migration heads: {sorted(heads)}"
