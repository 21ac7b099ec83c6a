"""Where the repository is, and the standards' test data given beside it (`../shared/testdata`)."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]


def given_testdata() -> Path:
    """The ISO 20022 XSDs, UBL and SEPA samples; `LEDGERLINE_TESTDATA` overrides the location."""
    configured = os.environ.get("LEDGERLINE_TESTDATA")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "testdata"
