"""Reading documents in worker processes whose memory and time are bounded.

A 1 MB PDF can hold a flate stream that inflates to gigabytes; PDFium inflates it whole and
took the service from 100 MiB to 2 GiB (3 MB: 4 GiB). Checks on the file before reading
cannot see every way a PDF or an image expands, so everything that decompresses a PDF or an
image (PDFium text extraction, rendering, attachments, factur-x's pypdf, Pillow, and
Tesseract, which inherits the limit) runs in a worker process whose address space is capped
with RLIMIT_AS. When a document needs more, the allocation fails in the worker (PDFium then
aborts the process, Python raises MemoryError); the parent answers "empty" with the reason,
and the pool (pebble's) starts a new worker for the next document. A document that takes
longer than the time limit has its worker killed and replaced the same way.

UBL and CII XML on their own stay in the parent: they are parsed with size limits and no
entity expansion (ledgerline.xml), and the worker round trip is not needed for them.

Workers are started by the forkserver (a clean process that has imported the recognisers
once), not forked from the service, whose threads (event loop, Kafka, asyncpg) may hold locks
at the moment of a fork; a replacement worker starts in milliseconds. The pool is reused
across documents; the round trip (the document's bytes there, the result back) costs well
under a millisecond for an ordinary invoice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
import signal
import threading
from collections.abc import Collection
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Final
from uuid import UUID

from ledgerline.events import DocumentRecognized
from pebble import ProcessExpired, ProcessFuture, ProcessPool

from recognition.domain.recognize import needs_isolation, recognize, unreadable

__all__ = [
    "DEFAULT_MEMORY_LIMIT_MIB",
    "DEFAULT_TIME_LIMIT_SECONDS",
    "DEFAULT_WORKERS",
    "ReaderPool",
]

logger = logging.getLogger(__name__)

DEFAULT_MEMORY_LIMIT_MIB: Final = 512
"""Address space of one worker, and separately of the Tesseract process it starts (a limit
is per process). A worker holding the recognisers uses about 75 MiB; the largest photo
accepted (60 Mpx) peaks at about 340 MiB in the worker and 300 MiB in Tesseract (which
also runs under a 384 MiB limit), a scanned A4 page at 300 dpi far less. A PDF bomb fills
the limit and no more: the service's peak while reading one was 640-660 MiB in all (the
service process, the forkserver and the worker), 2,154 MiB before."""
DEFAULT_TIME_LIMIT_SECONDS: Final = 180.0
"""Above the OCR budget of one document (recognize.OCR_BUDGET_SECONDS, 120 s): only a
document that something makes pathologically slow reaches it."""
DEFAULT_WORKERS: Final = 1
"""The consumer reads one document at a time; more workers only help several callers."""

_PRELOAD: Final = ["recognition.domain.recognize"]


def _limit_memory(limit_bytes: int) -> None:
    """Worker initializer: cap the address space (inherited by Tesseract's process too)."""
    resource.setrlimit(resource.RLIMIT_AS, (limit_bytes, limit_bytes))
    # The parent handles Ctrl-C and stops the pool; a worker interrupted mid-document
    # would only print a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _ready() -> None:
    """A task that only makes the pool start its workers."""


def _read(
    document_id: UUID, content: bytes, content_type: str, own_vat_numbers: tuple[str, ...] = ()
) -> DocumentRecognized:
    return recognize(document_id, content, content_type, own_vat_numbers)


# XML up to this size is read on the event loop; larger files in a thread, so the loop stays live.
INLINE_MAX_BYTES = 256 * 1024


class ReaderPool:
    """Recognises documents in bounded worker processes; see the module docstring.

    `recognize` and `recognize_async` never raise for a document, like `recognize` itself.
    """

    def __init__(
        self,
        *,
        memory_limit_mib: int = DEFAULT_MEMORY_LIMIT_MIB,
        time_limit_seconds: float = DEFAULT_TIME_LIMIT_SECONDS,
        workers: int = DEFAULT_WORKERS,
        start_method: str = "forkserver",
    ) -> None:
        self.memory_limit_mib = memory_limit_mib
        self.time_limit_seconds = time_limit_seconds
        self._workers = workers
        self._start_method = start_method
        self._pool: ProcessPool | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start the workers now rather than with the first document (does not wait)."""
        with self._lock:
            self._running_pool().schedule(_ready)

    def _schedule(
        self,
        document_id: UUID,
        content: bytes,
        content_type: str,
        own_vat_numbers: tuple[str, ...] = (),
    ) -> ProcessFuture:
        with self._lock:
            return self._running_pool().schedule(
                _read,
                args=(document_id, content, content_type, own_vat_numbers),
                timeout=self.time_limit_seconds,
            )

    def _running_pool(self) -> ProcessPool:
        """The pool, made at first use (called with the lock held)."""
        if self._pool is None or not self._pool.active:
            context = multiprocessing.get_context(self._start_method)
            if self._start_method == "forkserver":
                context.set_forkserver_preload(_PRELOAD)
            self._pool = ProcessPool(
                max_workers=self._workers,
                initializer=_limit_memory,
                initargs=(self.memory_limit_mib * 1024 * 1024,),
                context=context,
            )
        return self._pool

    def _outcome(
        self,
        future: ProcessFuture,
        document_id: UUID,
        content: bytes,
        content_type: str,
    ) -> DocumentRecognized:
        try:
            return future.result()  # type: ignore[no-any-return]
        except FutureTimeout:
            logger.warning(
                "document %s: reading stopped after %s s", document_id, self.time_limit_seconds
            )
            return unreadable(
                document_id,
                content,
                content_type,
                f"reading the document took longer than the limit of {self.time_limit_seconds:g}"
                " s and was stopped.",
            )
        except (ProcessExpired, MemoryError) as exc:
            # MemoryError: the result itself could not be sent back within the limit.
            code = getattr(exc, "exitcode", None)
            logger.warning("document %s: the reader process ended (%s)", document_id, exc)
            how = f" (the reader process ended with {_describe(code)})" if code else ""
            return unreadable(
                document_id,
                content,
                content_type,
                f"the document decompresses beyond the memory limit of {self.memory_limit_mib}"
                f" MiB for reading one document{how}; it was not read.",
            )

    def recognize(
        self,
        document_id: UUID,
        content: bytes,
        content_type: str,
        own_vat_numbers: Collection[str] = (),
    ) -> DocumentRecognized:
        """Read one document; PDFs and images in a bounded worker, XML in this process.
        `own_vat_numbers`: the dossier's VAT numbers, if known (see `recognize`)."""
        own = tuple(own_vat_numbers)
        if not needs_isolation(content, content_type):
            return recognize(document_id, content, content_type, own)
        future = self._schedule(document_id, content, content_type, own)
        return self._outcome(future, document_id, content, content_type)

    async def recognize_async(
        self,
        document_id: UUID,
        content: bytes,
        content_type: str,
        own_vat_numbers: Collection[str] = (),
    ) -> DocumentRecognized:
        """`recognize` without blocking the event loop (cancelling it stops the worker)."""
        own = tuple(own_vat_numbers)
        if not needs_isolation(content, content_type):
            if len(content) <= INLINE_MAX_BYTES:
                # A UBL invoice reads in about a millisecond: handing it to a thread costs more
                # than it saves (the GIL serialises the reading anyway).
                return recognize(document_id, content, content_type, own)
            return await asyncio.to_thread(recognize, document_id, content, content_type, own)
        future = self._schedule(document_id, content, content_type, own)
        # A worker over a limit is turned into a result below.
        with contextlib.suppress(FutureTimeout, ProcessExpired, MemoryError):
            await asyncio.wrap_future(future)
        return self._outcome(future, document_id, content, content_type)

    def close(self) -> None:
        """Stop the workers (a document being read is abandoned)."""
        with self._lock:
            if self._pool is not None:
                self._pool.stop()
                self._pool.join()
                self._pool = None


def _describe(exitcode: int) -> str:
    if exitcode < 0:
        try:
            return signal.Signals(-exitcode).name
        except ValueError:
            return f"signal {-exitcode}"
    return f"exit code {exitcode}"
