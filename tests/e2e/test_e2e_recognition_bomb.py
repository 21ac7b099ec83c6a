"""A PDF decompression bomb delivered to the running stack: recognition ends it "empty" with
the reason, its memory stays bounded, and the next document is recognised normally.

Before, a 1 MB PDF whose content stream inflates to 1 GiB took the recognition service from
about 100 MiB to 2,154 MiB. The service now reads PDFs in a worker process limited to
RECOGNITION_READER_MEMORY_LIMIT_MIB (512 by default); the whole service (the process, the
forkserver and its workers) must stay under PEAK_BOUND_MIB while reading the bomb.
"""

import random
import threading
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack

from tests.e2e.helpers import bearer, recognition, recognition_corpus, upload

pytestmark = [pytest.mark.e2e]

PEAK_BOUND_MIB = 768
"""The reading worker's limit (512 MiB by default) plus the service process and the
forkserver (about 130 MiB together), with some room; measured 637-664 MiB. The bomb took
the service to 2,154 MiB before."""


corpus = recognition_corpus()


def _session_processes(session_id: int) -> dict[int, int]:
    """Resident memory (bytes) of every process of a session: the service is started as a
    session leader, so its forkserver and reading workers are in its session."""
    found: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            # Fields after the command name (which may hold spaces): state ppid pgrp session
            if int(stat.rsplit(")", 1)[1].split()[3]) != session_id:
                continue
            status = (entry / "status").read_text()
        except (OSError, ValueError, IndexError):
            continue  # the process ended meanwhile
        for line in status.splitlines():
            if line.startswith("VmHWM:"):
                found[int(entry.name)] = int(line.split()[1]) * 1024
    return found


class PeakMemory:
    """Samples the peak RSS of each process of a session every few milliseconds; `total` is
    the sum of the per-process peaks (an upper bound of the session's peak at any moment)."""

    def __init__(self, session_id: int) -> None:
        self._session_id = session_id
        self._peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid, peak in _session_processes(self._session_id).items():
                self._peaks[pid] = max(self._peaks.get(pid, 0), peak)
            self._stop.wait(0.01)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def total_mib(self) -> float:
        return sum(self._peaks.values()) / (1024 * 1024)


async def _recognised(
    stack: Stack, http: httpx.AsyncClient, content: bytes, timeout: float = 90
) -> dict[str, Any]:
    headers = bearer(stack)
    document = await upload(
        http, stack, DEMO_DOSSIER_ID, content, headers, content_type="application/pdf"
    )
    return await recognition(http, stack, DEMO_DOSSIER_ID, document["id"], headers, timeout)


async def test_pdf_bomb_is_refused_in_bounded_memory_and_the_next_pdf_is_read(
    stack: Stack,
) -> None:
    service = stack.services["recognition"].process
    assert service is not None
    bomb = corpus.decompression_bomb_pdf(1024)
    assert len(bomb) < 2 * 1024 * 1024
    async with httpx.AsyncClient(timeout=30) as http:
        with PeakMemory(service.pid) as memory:
            started = time.monotonic()
            result = await _recognised(stack, http, bomb)
            elapsed = time.monotonic() - started
        print(f"recognition peak RSS {memory.total_mib:.0f} MiB, bomb read in {elapsed:.1f} s")
        assert result["status"] == "empty"
        assert "beyond the memory limit" in result["reason"]
        assert all(value is None for value in result["fields"].values())
        assert elapsed < 60, f"the bomb took {elapsed:.1f} s"
        assert memory.total_mib < PEAK_BOUND_MIB, f"peak {memory.total_mib:.0f} MiB"
        assert service.poll() is None  # the service itself lives on

        # The worker that died was replaced: a normal invoice is read as before.
        spec = corpus.random_spec(
            random.Random(202), 0, layout="classic", language="nl", credit=False, reference="ogm"
        )
        after = await _recognised(stack, http, corpus.render_pdf(spec))
    assert after["status"] == "ok", after["reason"]
    assert after["source"] == "air"
    assert after["fields"]["invoice_number"] == spec.number
    assert Decimal(after["fields"]["total_incl_vat"]) == spec.total_incl
