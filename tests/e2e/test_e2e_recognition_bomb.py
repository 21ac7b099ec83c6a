"""A PDF decompression bomb delivered to the running stack is refused at intake: ingest
answers 422 with a sentence in bounded time and memory, stores nothing, publishes nothing, and
the next PDF is taken as before.

Before, ingest stored the bomb (its page tree is fine) and recognition ended it "empty": a 1 MB
PDF whose content stream inflates to 1 GiB took the recognition service from about 100 MiB to
2,154 MiB until it read PDFs in a memory-limited worker. That defence stays, tested at its own
level (services/recognition/tests/unit/test_recognition_bomb.py); ingest now counts what a PDF's
Flate streams inflate to, in chunks of 1 MiB, and stops at INGEST_MAX_PDF_INFLATED_BYTES
(200 MiB by default).
"""

import asyncio
import random
import threading
import time
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import pytest
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack

from tests.e2e.helpers import bearer, recognition, recognition_corpus, upload

pytestmark = [pytest.mark.e2e]

PEAK_GROWTH_MIB = 64
"""How much more ingest may hold while refusing the bomb than before it: the 1 MB upload and
one inflated chunk (1 MiB) at a time, with room for the allocator."""


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


async def _stored_for(stack: Stack) -> tuple[int, int]:
    """The demo dossier's document rows and the blob store's rows."""
    connection = await asyncpg.connect(stack.database_urls["ingest"])
    try:
        documents = await connection.fetchval(
            "SELECT count(*) FROM documents WHERE dossier_id = $1", DEMO_DOSSIER_ID
        )
        blobs = await connection.fetchval("SELECT count(*) FROM document_blobs")
    finally:
        await connection.close()
    return int(documents), int(blobs)


async def test_pdf_bomb_is_refused_at_intake_in_bounded_time_and_memory(stack: Stack) -> None:
    service = stack.services["ingest"].process
    assert service is not None
    bomb = corpus.decompression_bomb_pdf(1024)
    assert len(bomb) < 2 * 1024 * 1024
    headers = bearer(stack)
    before = await _stored_for(stack)
    async with httpx.AsyncClient(timeout=60) as http:
        with PeakMemory(service.pid) as baseline:
            await asyncio.sleep(0.2)
        with PeakMemory(service.pid) as memory:
            started = time.monotonic()
            answer = await http.post(
                f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents",
                params={"filename": "bomb.pdf"},
                content=bomb,
                headers={**headers, "Content-Type": "application/pdf"},
            )
            elapsed = time.monotonic() - started
        growth = memory.total_mib - baseline.total_mib
        print(f"ingest refused the bomb in {elapsed:.2f} s, peak RSS growth {growth:.0f} MiB")
        assert answer.status_code == 422, answer.text
        assert answer.json()["detail"] == (
            "the PDF decompresses to more than 209,715,200 bytes; it is refused as a possible "
            "decompression bomb"
        )
        assert elapsed < 10, f"the bomb took {elapsed:.1f} s"
        assert growth < PEAK_GROWTH_MIB, f"ingest grew by {growth:.0f} MiB"
        assert await _stored_for(stack) == before  # no document, no blob
        assert service.poll() is None

        # A normal invoice is taken as before, and recognised.
        spec = corpus.random_spec(
            random.Random(202), 0, layout="classic", language="nl", credit=False, reference="ogm"
        )
        document = await upload(
            http, stack, DEMO_DOSSIER_ID, corpus.render_pdf(spec), headers,
            content_type="application/pdf",
        )  # fmt: skip
        after = await recognition(http, stack, DEMO_DOSSIER_ID, document["id"], headers, 90)
    assert after["status"] == "ok", after["reason"]
    assert after["fields"]["invoice_number"] == spec.number
    assert Decimal(after["fields"]["total_incl_vat"]) == spec.total_incl
