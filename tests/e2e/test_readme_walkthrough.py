"""The README's walkthrough ("Calling the APIs"), run as a user pastes it after `make run`: on a
stack of its own, started and seeded as `make run` does (the session's stack has seen other
tests' invoices and bank accounts).

Only the addresses change (the test stack listens on free ports, `make run` on 8001-8006) and
`uv run <tool>` runs the tool from this environment. Every `curl` fails on an HTTP error status,
so a step the README shows that no longer works fails the test with the service's message.
"""

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ledgerline.devstack.stack import Stack
from lxml import etree

pytestmark = [pytest.mark.e2e]

REPOSITORY = Path(__file__).resolve().parents[2]
README_PORTS = {
    "8001": "ingest",
    "8002": "recognition",
    "8003": "worklist",
    "8004": "approvals",
    "8005": "payments",
    "8006": "sync",
}
PRELUDE = """\
set -euo pipefail
curl() {
    case " $* " in
        *" -sf "* | *" -f "*) command curl --max-time 30 "$@" ;;  # the README's own polling
        *) command curl --fail-with-body --max-time 30 "$@" ;;
    esac
}
uv() { [ "$1" = run ] || return 2; shift; local tool=$1; shift; "$TOOLS/$tool" "$@"; }
"""


def walkthrough() -> str:
    readme = (REPOSITORY / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Calling the APIs\n", 1)[1].split("\n## ", 1)[0]
    [script] = re.findall(r"```bash\n(.*?)```", section, flags=re.S)
    return script


def for_stack(script: str, stack: Stack) -> str:
    def address(match: re.Match[str]) -> str:
        return stack.url(README_PORTS[match.group(1)])

    return re.sub(r"http://127\.0\.0\.1:(800[1-6])", address, script)


def test_the_readme_walkthrough_works_as_written() -> None:
    script = walkthrough()
    assert len(script.splitlines()) > 20, "the walkthrough is shorter than it should be"
    assert set(re.findall(r"127\.0\.0\.1:(\d+)", script)) <= set(README_PORTS), (
        "the walkthrough calls a port the test does not map to a service"
    )


@pytest.mark.timeout(900)
async def test_pasting_the_walkthrough_runs_every_step(tmp_path: Path) -> None:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        pytest.skip("starts a platform of its own: needs a local broker, not an external one")
    shutil.copytree(REPOSITORY / "docs" / "samples", tmp_path / "docs" / "samples")
    stack = Stack(tmp_path / "platform")
    try:
        await stack.start()
        await stack.seed_demo()
        completed = await asyncio.to_thread(
            subprocess.run,
            ["bash", "-c", PRELUDE + for_stack(walkthrough(), stack)],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "TOOLS": str(Path(sys.executable).parent)},
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired as stuck:
        raise AssertionError(
            f"the walkthrough hangs; its output so far:\n{stuck.stdout!r}"
        ) from None
    finally:
        stack.stop()
    assert completed.returncode == 0, (
        f"the walkthrough stopped (exit {completed.returncode}):\n"
        f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}"
    )
    order = etree.parse(str(tmp_path / "order.xml")).getroot()
    assert order.tag.startswith("{urn:iso:std:iso:20022:tech:xsd:pain.001.001.")
    assert (tmp_path / "qr.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert '"booked"' in completed.stdout and '"document_number": "26000' in completed.stdout
    assert '"paid"' in completed.stdout
    # The SEPA file's payment reached the books: a document number in a bank journal.
    assert re.search(
        r'"status": "journalised",\s*"journal": "\w+",\s*"document_number": "\d+"',
        completed.stdout,
    ), completed.stdout[-3000:]
