"""Java servers of the local stack (Kafka, S3Proxy), resolved from Maven Central with ``mvn``.

Each server has a pom under ``deploy/`` that is only resolved, never built:
``mvn dependency:copy-dependencies`` copies its jars into ``<cache>/<name>-<version>/libs``
(``$LEDGERLINE_CACHE_DIR``, default ``~/.cache/ledgerline``). Only ``java`` and ``mvn`` are
needed; both are checked by ``make system-deps``.
"""

import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from ledgerline.devstack.processes import file_lock, last_lines

__all__ = ["default_cache_dir", "java_executable", "resolve_jars"]

_checked_java: dict[str, str] = {}


def default_cache_dir() -> Path:
    """``$LEDGERLINE_CACHE_DIR`` or ``~/.cache/ledgerline``."""
    env = os.environ.get("LEDGERLINE_CACHE_DIR")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "ledgerline"


def java_executable() -> str:
    """``$JAVA_HOME/bin/java`` or ``java`` on PATH, checked to run (once per process)."""
    java_home = os.environ.get("JAVA_HOME")
    candidate = Path(java_home) / "bin" / "java" if java_home else None
    java = str(candidate) if candidate is not None and candidate.is_file() else shutil.which("java")
    if java is None:
        raise RuntimeError(
            "Java is not installed (no java on PATH or in JAVA_HOME); the local Kafka and S3Proxy"
            " need Java 17 or newer."
        )
    if java in _checked_java:
        return java
    try:
        subprocess.run(
            [java, "-version"],
            capture_output=True,
            check=True,
            timeout=30,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"Running {java} -version failed ({exc}); Java 17+ is needed.") from exc
    _checked_java[java] = java
    return java


def resolve_jars(
    pom: Path, base: Path, *, main_jar: str, what: str, check_java: Callable[[], str]
) -> Path:
    """The runtime jars of `pom` in ``base/libs``, downloaded once; returns that folder.

    A marker with the pom's hash is written only after a complete download, so an interrupted
    download (or a changed pom) is redone. `main_jar` must be among the jars (a pom whose version
    went out of step with the code fails here, clearly); `what` names the server in errors.
    """
    libs = base / "libs"
    marker = base / "libs.complete"
    if not pom.is_file():
        raise RuntimeError(f"The pom {pom} of {what} does not exist.")
    digest = hashlib.sha256(pom.read_bytes()).hexdigest()

    def complete() -> bool:
        try:
            return marker.read_text().strip() == digest and libs.is_dir()
        except FileNotFoundError:
            return False

    if complete():
        return libs
    base.mkdir(parents=True, exist_ok=True)
    with file_lock(base / ".lock"):
        if complete():
            return libs
        check_java()  # fail early and clearly if there is no usable java
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError(
                f"Maven (mvn) is not on PATH, so the jars of {what} cannot be downloaded;"
                " install Maven (apt-get install maven)."
            )
        marker.unlink(missing_ok=True)
        for leftover in base.glob("libs.partial-*"):  # from an interrupted download
            shutil.rmtree(leftover, ignore_errors=True)
        staging = base / f"libs.partial-{os.getpid()}"
        command = [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(pom),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={staging}",
            "-DincludeScope=runtime",
        ]
        with tempfile.TemporaryFile("w+") as out:
            try:
                result = subprocess.run(
                    command,
                    cwd=base,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=1800,
                    check=False,
                )
                returncode: int | str = result.returncode
            except subprocess.TimeoutExpired:
                returncode = "timeout"
            out.seek(0)
            output = out.read()
        if returncode != 0:
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(
                f"Downloading the jars of {what} with Maven failed ({returncode}):"
                f" {' '.join(command)}\n{last_lines(output, 30)}"
            )
        if not (staging / main_jar).is_file():
            shutil.rmtree(staging, ignore_errors=True)
            raise RuntimeError(f"{pom} did not provide {main_jar}: {what}")
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)
        tmp_marker = base / f"libs.complete.tmp-{os.getpid()}"
        tmp_marker.write_text(digest + "\n")
        os.replace(tmp_marker, marker)
    return libs
