"""`ledgerline run` (make run) refuses to start beside a running one, in one sentence."""

import contextlib
import fcntl
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from ledgerline.devstack.ports import free_ports
from ledgerline.devstack.run import CannotStart, RunPorts, http_port_base_from_env

SCRIPT = Path(sys.executable).with_name("ledgerline")


def _run(data_dir: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    postgres, kafka, smtp = free_ports(3)
    return subprocess.run(
        [
            SCRIPT,
            "run",
            "--data-dir",
            str(data_dir),
            "--postgres-port",
            str(postgres),
            "--kafka-port",
            str(kafka),
            "--smtp-port",
            str(smtp),
        ],
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@contextlib.contextmanager
def _busy_port_above_free_ones(offset: int) -> Iterator[int]:
    """A listening port whose `offset` ports below are free, so that the run stops on it and
    not on a port some other process of the machine happens to hold."""
    for _ in range(50):
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            port = busy.getsockname()[1]
            if all(_free(candidate) for candidate in range(port - offset, port)):
                yield port
                return
    raise AssertionError("no busy port with free ports below it")


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def test_http_ports_follow_the_base() -> None:
    ports = RunPorts(postgres=1, kafka=2, smtp=3, http_base=9000)
    assert ports.http() == {
        "ingest": 9001,
        "recognition": 9002,
        "worklist": 9003,
        "approvals": 9004,
        "payments": 9005,
        "sync": 9006,
    }
    assert RunPorts(1, 2, 3).http()["sync"] == 8006
    assert (ports.kafka_connector(), RunPorts(1, 2, 3).kafka_connector()) == (9010, 8010)


def test_a_busy_kafka_connector_port_is_one_sentence_and_a_failure(tmp_path: Path) -> None:
    """`make run` starts the reference Kafka connector on the base plus ten."""
    with _busy_port_above_free_ones(10) as port:
        done = _run(tmp_path / "run", {"LEDGERLINE_HTTP_PORT_BASE": str(port - 10)})
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"ledgerline run: Port {port}, wanted for the reference Kafka connector, is already in use"
    )
    assert done.stderr.count("\n") == 1


def test_a_busy_service_port_is_one_sentence_and_a_failure(tmp_path: Path) -> None:
    with _busy_port_above_free_ones(3) as port:
        done = _run(tmp_path / "run", {"LEDGERLINE_HTTP_PORT_BASE": str(port - 3)})
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"ledgerline run: Port {port}, wanted for the worklist service")
    assert done.stderr.count("\n") == 1
    assert "LEDGERLINE_HTTP_PORT_BASE" in done.stderr


def test_a_second_run_on_the_same_data_folder_is_refused(tmp_path: Path) -> None:
    data_dir = tmp_path / "run"
    data_dir.mkdir()
    with (data_dir / "run.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("4242")
        lock.flush()
        done = _run(data_dir, {})
    assert done.returncode == 1
    assert done.stderr == (
        f"ledgerline run: Ledgerline is already running from {data_dir} (pid 4242): stop it "
        "with Ctrl-C first, or start a second one with --data-dir and other ports "
        "(LEDGERLINE_HTTP_PORT_BASE, --postgres-port, --kafka-port, --smtp-port).\n"
    )
    assert sorted(path.name for path in data_dir.iterdir()) == ["run.lock"]


def test_a_bad_port_base_is_one_sentence(tmp_path: Path) -> None:
    done = _run(tmp_path / "run", {"LEDGERLINE_HTTP_PORT_BASE": "abc"})
    assert done.returncode == 1
    assert done.stderr == (
        "ledgerline run: LEDGERLINE_HTTP_PORT_BASE must be a port number (the services use the "
        "six ports after it, the Kafka connector the tenth), not 'abc'.\n"
    )


@pytest.mark.parametrize("value", ["70000", "-1", "8000.5"])
def test_port_bases_out_of_range_are_refused(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("LEDGERLINE_HTTP_PORT_BASE", value)
    with pytest.raises(CannotStart, match="must be a port number"):
        http_port_base_from_env()


def test_the_port_base_defaults_to_8000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LEDGERLINE_HTTP_PORT_BASE", raising=False)
    assert http_port_base_from_env() == 8000
