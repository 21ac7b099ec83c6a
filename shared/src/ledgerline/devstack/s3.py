"""A local S3-compatible object store: S3Proxy over a folder on disk, as a plain process.

The jars come from Maven Central through ``mvn`` (``deploy/s3proxy/pom.xml``), like Kafka's, and
are cached in ``$LEDGERLINE_CACHE_DIR`` (default ``~/.cache/ledgerline``); only ``java`` and
``mvn`` are needed. S3Proxy speaks the S3 REST API (AWS signature v2 and v4) over HTTP and keeps
the objects as files (jclouds' filesystem provider), so the tests of ingest's S3 blob store talk
to a real server over a socket, not to an in-process mock. Measured on 2 shared cores: download
~15 s once (43 MB), start until it answers ~1.7 s.

Layout of ``data_dir``::

    data_dir/
      s3proxy.conf   written on every start
      blobs/         the buckets (one folder each) and their objects
      s3proxy.out    stdout/stderr of the JVM
"""

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ledgerline.devstack.maven import default_cache_dir, java_executable, resolve_jars
from ledgerline.devstack.paths import REPO_ROOT
from ledgerline.devstack.processes import tail

__all__ = ["S3PROXY_VERSION", "LocalS3", "S3Server", "ensure_s3proxy_jars"]

S3PROXY_VERSION = "2.6.0"
"""S3Proxy version in deploy/s3proxy/pom.xml (kept in step by hand; checked after the download)."""

_DEPLOY = REPO_ROOT / "deploy" / "s3proxy"


@dataclass(frozen=True)
class S3Server:
    """A running S3-compatible server, as the tests reach it: its endpoint and one access key."""

    endpoint_url: str
    access_key: str
    secret_key: str


def ensure_s3proxy_jars(cache_dir: Path | None = None) -> Path:
    """Download the S3Proxy jars once; return their folder."""
    base = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
    return resolve_jars(
        _DEPLOY / "pom.xml",
        base / f"s3proxy-{S3PROXY_VERSION}",
        main_jar=f"s3proxy-{S3PROXY_VERSION}.jar",
        what=f"S3Proxy (keep the pom's s3proxy.version equal to S3PROXY_VERSION in {__name__})",
        check_java=java_executable,
    )


class LocalS3:
    """S3Proxy on 127.0.0.1:`port`, objects under `data_dir`/blobs, one access key."""

    def __init__(
        self,
        data_dir: Path,
        port: int,
        libs_dir: Path,
        *,
        access_key: str = "ledgerline-local",
        secret_key: str = "ledgerline-local-secret",
    ) -> None:
        self.data_dir = data_dir
        self.port = port
        self.libs_dir = libs_dir
        self.access_key = access_key
        self.secret_key = secret_key
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "blobs").mkdir(exist_ok=True)
        config = self.data_dir / "s3proxy.conf"
        config.write_text(
            f"s3proxy.endpoint={self.endpoint_url}\n"
            "s3proxy.authorization=aws-v2-or-v4\n"
            f"s3proxy.identity={self.access_key}\n"
            f"s3proxy.credential={self.secret_key}\n"
            "jclouds.provider=filesystem\n"
            f"jclouds.filesystem.basedir={self.data_dir / 'blobs'}\n"
        )
        out = self.data_dir / "s3proxy.out"
        command = [
            java_executable(),
            # A small server for tests: one GC thread, C1 only, a small heap start up quickest.
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xmx256m",
            f"-Dlogback.configurationFile={_DEPLOY / 'logback.xml'}",
            "-cp",
            f"{self.libs_dir}/*",
            "org.gaul.s3proxy.Main",
            "--properties",
            str(config),
        ]
        with out.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends the JVM only
            )
        deadline = time.monotonic() + timeout
        while not self._answers():
            if self._process.poll() is not None:
                raise RuntimeError(f"S3Proxy exited ({self._process.returncode}):\n{tail(out)}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"S3Proxy did not answer within {timeout} s:\n{tail(out)}")
            time.sleep(0.1)

    def _answers(self) -> bool:
        try:
            urllib.request.urlopen(self.endpoint_url, timeout=1).close()
        except urllib.error.HTTPError:
            return True  # an S3 error (403 without a signature) is an answer
        except OSError:
            return False
        return True

    def stop(self, timeout: float = 10) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout)
