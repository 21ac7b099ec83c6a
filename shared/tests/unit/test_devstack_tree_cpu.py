"""The CPU a process tree used, as the pipeline benchmark reads it per PostgreSQL, Kafka and
service: a child that exits between two readings must not take its CPU seconds with it."""

import subprocess
import sys
import time
from pathlib import Path

import psutil
from ledgerline.devstack.processes import tree_cpu_seconds

# A parent (like PostgreSQL's postmaster) with a child (a backend) that burns CPU until told to
# stop, then exits and is reaped; the parent lives on.
_PARENT = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]])
child.wait()
time.sleep(60)
"""
_CHILD = """
import os, sys
while not os.path.exists(sys.argv[1]):
    sum(range(10_000))
"""


def _living_cpu_seconds(pid: int) -> float:
    root = psutil.Process(pid)
    return sum(
        process.cpu_times().user + process.cpu_times().system
        for process in [root, *root.children(recursive=True)]
    )


def test_a_child_that_exits_between_two_readings_keeps_its_cpu_seconds(tmp_path: Path) -> None:
    stop = tmp_path / "stop"
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, _CHILD, str(stop)])
    try:
        deadline = time.monotonic() + 30
        while _living_cpu_seconds(parent.pid) < 0.3:
            assert time.monotonic() < deadline, "the child never burned 0.3 CPU seconds"
            time.sleep(0.05)
        before = tree_cpu_seconds(parent.pid)
        stop.touch()
        while psutil.Process(parent.pid).children():
            assert time.monotonic() < deadline, "the child did not exit"
            time.sleep(0.05)
        time.sleep(0.1)  # the parent reaps it right after it exits

        after = tree_cpu_seconds(parent.pid)

        assert after >= before >= 0.3
        # Counting the living processes alone, the child's seconds are gone:
        assert _living_cpu_seconds(parent.pid) < 0.3
    finally:
        parent.kill()
        parent.wait()


def test_a_process_that_is_gone_used_nothing() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()

    assert tree_cpu_seconds(process.pid) == 0.0
