"""Pause Python's cyclic garbage collector during bulk work.

Validating or writing a 100,000-payment batch allocates hundreds of thousands of objects that
all stay alive (the batch model) or die at once by reference counting (lxml proxies, tuples).
The cyclic collector cannot free any of them, yet each full collection walks every live object
(about 0.6 s per pass for such a batch on the development machine, several passes per batch).
No reference cycles are created by this work, so pausing the collector loses nothing; cycles
made by other threads meanwhile are collected once it is resumed.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the duration; nested and concurrent uses are counted."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
