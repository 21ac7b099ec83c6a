"""XSD validation in a child process, while the parent goes on with its work.

Why a process and not a thread: the machines this runs on have two cores, and libxml2's
validation keeps the GIL for almost all of its work (a validating thread next to the writer
overlapped by about 15 %). In a child process validation runs on the other core while the
parent hashes the file and writes it to a temporary file (`feed_all`), or while it goes on
writing (`feed`, chunk by chunk).

Why a fresh interpreter and not `os.fork`: a forked child shares the parent's memory copy on
write, and touching the reference counts of the batch's objects makes the kernel copy them
while the child lives. Forking a process with threads (the web service) can also leave locks
held in the child. The child here is `python -I -c` with lxml and `xsd.py` loaded by path only
(not the `payments` package): it starts in about 0.1 s. With `feed`, until it reads, the parent
keeps up to `_MAX_BACKLOG_BYTES` of chunks queued and goes on writing.

The child reads the bytes on stdin, validates them against the same schema as
`validate_pain001`, but as a whole tree (`xsd.WholeTreeValidator`: a third less CPU time than
streaming validation, for memory that is given back when the child exits), and writes its
verdict on stdout: JSON, the list of libxml2's messages, empty when valid. If it cannot give
one (it could not start, died or stalled) the caller validates the bytes itself, so the result
never depends on the child having worked.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import select
import subprocess
import sys
import threading
from collections import deque
from importlib import resources
from pathlib import Path
from typing import Final

from payments.domain import xsd
from payments.domain.xsd import FEED_CHUNK_BYTES, XsdValidationError, check_format, validate_pain001

# No progress on the pipes for this long means the child is stuck: it is killed and the parent
# validates by itself. Validating 1 MiB (the pipe's buffer) takes about 25 ms.
STALL_TIMEOUT_SECONDS: Final = 60.0
_PIPE_BYTES: Final = 1 << 20
_MAX_BACKLOG_BYTES: Final = 16 << 20

_CHILD_CODE: Final = """
import importlib.util, json, os, sys
from lxml import etree
spec = importlib.util.spec_from_file_location("_ledgerline_xsd", sys.argv[1])
xsd = importlib.util.module_from_spec(spec)
spec.loader.exec_module(xsd)
validator = xsd.WholeTreeValidator(sys.argv[3], etree.XMLSchema(etree.parse(sys.argv[2])))
errors = []
try:
    while chunk := os.read(0, 1 << 20):
        validator.feed(chunk)
    validator.close()
except xsd.XsdValidationError as error:
    errors = error.errors
view = memoryview(json.dumps(errors).encode())
while view:
    view = view[os.write(1, view):]
os._exit(0)  # the verdict is out: freeing the tree (a fifth of the work) would only cost time
"""


def _schema_path(message_format: str) -> Path | None:
    check_format(message_format)
    path = Path(str(resources.files("payments").joinpath("schemas", f"{message_format}.xsd")))
    return path if path.is_file() else None


def parallel_validation_available(message_format: str) -> bool:
    """The schema is a file on disk (not inside a zip) and a child process can be started."""
    return bool(sys.executable) and _schema_path(message_format) is not None


class ValidatorProcess:
    """A child process validating the bytes given to `feed`; `verdict` gives its result.

    Use as a context manager: leaving it, normally or by an exception, ends the child.
    """

    def __init__(self, message_format: str) -> None:
        self.message_format = message_format
        schema = _schema_path(message_format)
        if schema is None:
            raise FileNotFoundError(f"{message_format}.xsd is not a file on disk")
        self._backlog: deque[memoryview] = deque()
        self._backlog_bytes = 0
        self._process: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-I", "-c", _CHILD_CODE, xsd.__file__, str(schema), message_format],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self._process.stdin is not None
        self._data_fd = self._process.stdin.fileno()
        with contextlib.suppress(AttributeError, OSError):  # Linux only: a bigger buffer
            import fcntl

            fcntl.fcntl(self._data_fd, fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        os.set_blocking(self._data_fd, False)
        self._feeding = True
        self._sender: threading.Thread | None = None

    def __enter__(self) -> ValidatorProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def feed(self, chunk: bytes) -> None:
        """Queue a chunk and send what the pipe takes now; wait only if far behind."""
        if not self._feeding:
            return
        self._backlog.append(memoryview(chunk))
        self._backlog_bytes += len(chunk)
        self._send(wait_until=_MAX_BACKLOG_BYTES)

    def feed_all(self, data: bytes) -> None:
        """Send the whole document from a background thread and return at once.

        The thread's writes wait for the child without holding the GIL, so the caller can do
        other work (hash, write a temporary file) while the child validates; `verdict` waits
        for the thread (and ends a stalled child).
        """
        if not self._feeding:
            return
        self._feeding = False  # nothing more through `feed`
        self._sender = threading.Thread(
            target=self._send_blocking, args=(memoryview(data),), daemon=True
        )
        self._sender.start()

    def _send_blocking(self, view: memoryview) -> None:
        process = self._process
        try:
            os.set_blocking(self._data_fd, True)
            while view:
                view = view[os.write(self._data_fd, view[:_PIPE_BYTES]) :]
        except OSError:  # the child left (early error: its verdict waits) or was ended
            pass
        finally:
            if process is not None and process.stdin is not None:
                with contextlib.suppress(OSError):
                    process.stdin.close()

    def _send(self, wait_until: int) -> None:
        """Write queued chunks; block (with the stall timeout) while more than `wait_until`."""
        backlog = self._backlog
        try:
            while backlog:
                try:
                    written = os.write(self._data_fd, backlog[0])
                except BlockingIOError:
                    written = 0
                if written:
                    self._backlog_bytes -= written
                    if written == len(backlog[0]):
                        backlog.popleft()
                    else:
                        backlog[0] = backlog[0][written:]
                elif self._backlog_bytes <= wait_until:
                    return
                elif not select.select([], [self._data_fd], [], STALL_TIMEOUT_SECONDS)[1]:
                    raise TimeoutError("the validating child stopped reading")
        except BrokenPipeError:  # the child found an error and left: its verdict is waiting
            self._end_feeding()
        except OSError:  # including TimeoutError: no verdict from this child
            self._end_feeding()
            self._kill()

    def verdict(self) -> list[str] | None:
        """Libxml2's messages ([] when valid), or None when the child gave no verdict."""
        if self._feeding:
            self._send(wait_until=0)
        if self._sender is not None:
            self._sender.join(STALL_TIMEOUT_SECONDS)
            if self._sender.is_alive():  # the child stopped reading: no verdict from it
                self.close()
                return None
        self._end_feeding()
        process = self._process
        if process is None or process.stdout is None:
            return None
        result_fd = process.stdout.fileno()
        received = bytearray()
        while True:
            if not select.select([result_fd], [], [], STALL_TIMEOUT_SECONDS)[0]:
                self.close()
                return None
            piece = os.read(result_fd, 1 << 16)
            if not piece:
                break
            received += piece
        try:
            status = process.wait(timeout=STALL_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            status = -1
        self.close()
        if status != 0:
            return None
        try:
            errors = json.loads(received)
        except ValueError:
            return None
        if not isinstance(errors, list) or not all(isinstance(e, str) for e in errors):
            return None
        return errors

    def close(self) -> None:
        """End the child (killed if still running) and close the pipes; idempotent."""
        sender, self._sender = self._sender, None
        if sender is not None and sender.is_alive():
            self._kill()  # its pipe breaks: the sending thread ends
            sender.join()
        self._end_feeding()
        self._kill()

    def _end_feeding(self) -> None:
        self._feeding = False
        self._backlog.clear()
        self._backlog_bytes = 0
        if self._process is not None and self._process.stdin is not None:
            with contextlib.suppress(OSError):
                self._process.stdin.close()

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.kill()
            process.wait()
            if process.stdout is not None:
                process.stdout.close()


class TeeSink:
    """Output of the writer: keeps the bytes, hashes them and sends them to the validator.

    lxml writes pieces of about 4 KB; they are gathered into chunks of `FEED_CHUNK_BYTES`.
    """

    def __init__(self, validator: ValidatorProcess) -> None:
        self._validator = validator
        self._buffer = io.BytesIO()
        self._hash = hashlib.sha256()
        self._pending: list[bytes] = []
        self._pending_size = 0

    def write(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_size += len(data)
        if self._pending_size >= FEED_CHUNK_BYTES:
            self._flush()

    def _flush(self) -> None:
        chunk = b"".join(self._pending)
        self._pending.clear()
        self._pending_size = 0
        self._buffer.write(chunk)
        self._hash.update(chunk)
        self._validator.feed(chunk)

    def finish(self) -> tuple[bytes, str]:
        """The whole content and its SHA-256; sends the last chunk."""
        if self._pending:
            self._flush()
        return self._buffer.getvalue(), self._hash.hexdigest()


def raise_for_verdict(message_format: str, verdict: list[str] | None, content: bytes) -> None:
    """Raise `XsdValidationError` from the child's verdict (or validate here without one)."""
    if verdict is None:
        validate_pain001(content, message_format)
    elif verdict:
        raise XsdValidationError(message_format, verdict)
