"""A private PostgreSQL cluster for a test that stops and starts its server (the shared one is never touched).

``initdb`` and ``pg_ctl`` from ``PG_BIN`` run as the ``postgres`` user (``runuser``, when the tests run as
root) in a temporary folder it owns, the server listening on 127.0.0.1 at a free port and on a Unix
socket in that folder. ``stop()`` is ``pg_ctl stop -m fast`` (what a restart or an admin does),
``start()`` starts it again on the same port and data.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

PG_BIN = Path(os.environ.get("COSTANDARD_PG_BIN", "/usr/lib/postgresql/15/bin"))
SHARED_PORT = 5432  # the shared server of the machine and CI: never ours to stop


def binaries_available() -> bool:
    return all((PG_BIN / name).exists() for name in ("initdb", "pg_ctl", "postgres"))


class Cluster:
    def __init__(self, folder: Path, port: int) -> None:
        if port == SHARED_PORT:
            raise ValueError("the private cluster never runs on the shared server's port")
        self.folder, self.port = folder, port
        self.data = folder / "data"

    def _run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, *args], cwd=self.folder, capture_output=True, text=True, timeout=timeout,
                              check=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--no-sync", "--locale=C.UTF-8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "server.log"),
                  "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")

    def running(self) -> bool:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*prefix, str(PG_BIN / "pg_ctl"), "-D", str(self.data), "status"],
                              capture_output=True, timeout=30).returncode == 0

    def log_tail(self) -> str:
        log = self.folder / "server.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""


@contextmanager
def private_cluster(port: int):
    """Yield a started ``Cluster`` on ``port``; stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="costandard-pg-"))
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        os.chown(folder, account.pw_uid, account.pw_gid)
    cluster = Cluster(folder, port)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        try:
            if cluster.running():
                cluster.stop()
        finally:
            shutil.rmtree(folder, ignore_errors=True)
