"""The `ledgerline` commands end quietly when the reader of their output goes away."""

import subprocess
import sys
from pathlib import Path

SCRIPT = Path(sys.executable).with_name("ledgerline")


def test_topics_into_a_closed_pipe_ends_quietly() -> None:
    process = subprocess.Popen([SCRIPT, "topics"], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None
    process.stdout.close()
    _, stderr = process.communicate(timeout=60)
    assert stderr.decode() == ""
    assert process.returncode == 141
