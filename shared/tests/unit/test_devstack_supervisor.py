"""The local stack's supervisor: a process that dies is started again, with a growing backoff,
and nothing is started once the stack stops."""

import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
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


def _sleeper(tmp_path: Path) -> ServiceProcess:
    """`python -c <sleep> serve --port 1`: a service that stays up until stopped."""
    return ServiceProcess(
        "python",
        1,
        {},
        tmp_path / "python.log",
        before_command=("-c", "import time; time.sleep(60)"),
    )


def test_a_service_the_stack_starts_again_is_not_started_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bench stops a service's second consume process and starts it again for the next
    # run; a supervisor round in between once started a second process beside it, which then
    # held a third of the consumer groups' partitions.
    service = _sleeper(tmp_path)
    supervisor = Supervisor({"python": service}, backoff_seconds=0.0)
    service.start()
    service.stop()
    popen = subprocess.Popen
    started: list[subprocess.Popen[bytes]] = []

    def popen_while_the_supervisor_looks(*args: Any, **kwargs: Any) -> subprocess.Popen[bytes]:
        if not started:  # the stack's own start: the supervisor's rounds happen meanwhile
            started.append(None)  # type: ignore[arg-type]
            supervisor.look(time.monotonic())
            supervisor.look(time.monotonic())
        process = popen(*args, **kwargs)
        started.append(process)
        return process

    monkeypatch.setattr(subprocess, "Popen", popen_while_the_supervisor_looks)
    try:
        service.start()
        supervisor.look(time.monotonic())
        supervisor.look(time.monotonic())
        assert len(started) == 2  # the marker and the stack's one process
        assert service.restarts == 0
    finally:
        for process in started[1:]:
            process.kill()
            process.wait()


def test_a_restart_due_is_dropped_when_the_stack_starts_the_service_itself(
    tmp_path: Path,
) -> None:
    service = _sleeper(tmp_path)
    supervisor = Supervisor({"python": service}, backoff_seconds=5.0)
    service.start()
    assert service.process is not None
    service.process.kill()  # dies on its own
    service.process.wait()
    now = time.monotonic()
    supervisor.look(now)  # noted: restart in 5 s
    service.start()  # the stack starts it before that
    supervisor.look(now + 1)
    assert service.process is not None
    service.process.kill()  # and it dies on its own again
    service.process.wait()
    try:
        supervisor.look(now + 6)  # a new backoff, not the restart due from before
        assert service.restarts == 0
        assert "restarting it in 10.0 s" in service.log_path.read_text()
    finally:
        service.stop()
