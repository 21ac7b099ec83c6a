"""Process and file helpers the local PostgreSQL and Kafka launchers share."""

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock on `path` across processes (two starts of one data dir)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def process_alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def wait_until_dead(pids: list[int], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while any(process_alive(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of `pid` and its descendants, the ones that have exited too.

    An exited child's time moves to its parent's children times when the parent reaps it, so
    the sum stays a counter: a PostgreSQL backend ending between two readings keeps what it
    used (counting the living processes alone subtracted it). 0.0 when `pid` is gone."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0.0
    seconds = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue  # exited since listed: its parent's children times hold it once reaped
        seconds += times.user + times.system + times.children_user + times.children_system
    return seconds


def last_lines(text: str, lines: int) -> str:
    return "\n".join(text.splitlines()[-lines:])


def tail(path: Path, lines: int = 40) -> str:
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 65536))
            text = fh.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return f"({path} does not exist)"
    return last_lines(text, lines)
