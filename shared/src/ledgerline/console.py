"""What every command-line tool does the same way when it writes to stdout."""

import os
import sys
from collections.abc import Callable

# What a shell reports for a process ended by SIGPIPE (128 + 13), as `cat big | head` does.
EXIT_BROKEN_PIPE = 141


def run_writing_stdout(command: Callable[[], int]) -> int:
    """Run a command; if the reader of stdout went away (`... | head`), end quietly.

    Python ignores SIGPIPE, so a closed pipe surfaces as BrokenPipeError on a write or on the
    final flush: flush inside the guard, then point stdout at /dev/null so the interpreter's
    own flush at exit has nothing left to complain about.
    """
    try:
        status = command()
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
