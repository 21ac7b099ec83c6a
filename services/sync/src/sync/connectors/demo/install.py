"""Install the packaged demo ledger into a ledger root (what `make run` and the test stack do)."""

import shutil
import tempfile
from pathlib import Path

from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE


def install_demo_ledger(root: Path) -> tuple[Path, bool]:
    """Copy the demo dossier's ledger folder into `root` unless it exists there (the books of a
    running platform are never overwritten). Returns the folder and whether it was copied."""
    target = root / DOSSIER_CODE
    if target.exists():
        return target, False
    root.mkdir(parents=True, exist_ok=True)
    # Copied beside the target and renamed: a crash never leaves half a ledger behind.
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{DOSSIER_CODE}."))
    try:
        shutil.copytree(
            DEMO_ROOT / DOSSIER_CODE,
            staging / DOSSIER_CODE,
            ignore=shutil.ignore_patterns("*.pickle", ".ledgerline.lock", "*.tmp"),
        )
        (staging / DOSSIER_CODE).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, True
