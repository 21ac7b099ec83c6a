"""Where the repository is, its own test data, and the optional larger corpus beside it."""

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[4]

# Committed with the repository: every file a test reads (origins, licences, sha256 in MANIFEST.md).
REPO_TESTDATA = REPO_ROOT / "tests" / "data"

# Setting this hides the optional corpus, as if it were absent (`.ci/run` uses it when it cannot
# hide the folder itself): a clean clone must pass the tests without it.
NO_SHARED_TESTDATA_ENV = "LEDGERLINE_NO_SHARED_TESTDATA"


def given_testdata() -> Path:
    """The test data given with the repository (`tests/data`): UBL samples, pain.001 XSDs and samples."""
    return REPO_TESTDATA


def shared_testdata() -> Path | None:
    """The larger corpus beside the repository (`../shared/testdata`, or `LEDGERLINE_TESTDATA`).

    Optional: only benchmarks may use it, and they must say so and carry on when it is None.
    """
    if os.environ.get(NO_SHARED_TESTDATA_ENV):
        return None
    configured = os.environ.get("LEDGERLINE_TESTDATA")
    folder = Path(configured) if configured else REPO_ROOT.parent / "shared" / "testdata"
    return folder if folder.is_dir() else None
