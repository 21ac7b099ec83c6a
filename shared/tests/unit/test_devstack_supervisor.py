"""The local stack's supervisor: a process that dies is started again, with a growing backoff,
and nothing is started once the stack stops."""

import re
import time
from pathlib import Path

from ledgerline.devstack.stack import ServiceProcess, Supervisor


def test_a_process_that_keeps_dying_is_restarted_with_a_doubling_backoff(tmp_path: Path) -> None:
    # `python serve --port 1` exits at once (no file named serve): a service that keeps dying
    dying = ServiceProcess("python", 1, {}, tmp_path / "python.log")
    dying.start()
    supervisor = Supervisor(
        {"python": dying}, poll_seconds=0.02, backoff_seconds=0.1, backoff_max_seconds=0.4
    )
    supervisor.start()
    try:
        deadline = time.monotonic() + 20
        while dying.restarts < 4:
            assert time.monotonic() < deadline, dying.log_path.read_text()
            time.sleep(0.05)
    finally:
        supervisor.stop()
    restarts = dying.restarts
    log = dying.log_path.read_text()
    delays = re.findall(r"python \(pid \d+\) exited with 2; restarting it in ([\d.]+) s", log)
    assert delays[:4] == ["0.1", "0.2", "0.4", "0.4"]
    assert len(re.findall(r"python restarted \(pid \d+\)", log)) == restarts

    time.sleep(0.3)  # stopped: nothing starts it again
    assert dying.restarts == restarts


def test_a_stopped_service_is_not_restarted(tmp_path: Path) -> None:
    service = ServiceProcess("python", 1, {}, tmp_path / "python.log")
    supervisor = Supervisor({"python": service}, poll_seconds=0.02, backoff_seconds=0.05)
    service.start()
    service.stop()  # as Stack.stop does for each service: marks it stopping first
    supervisor.start()
    try:
        time.sleep(0.5)
    finally:
        supervisor.stop()
    assert service.restarts == 0
    assert "restart" not in service.log_path.read_text()
