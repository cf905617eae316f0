"""A throwaway PostgreSQL server for the test run, started from the machine's PostgreSQL binaries.

Used when CVI_TEST_POSTGRES_URL is not set; when no server binaries are installed the PostgreSQL
tests are skipped with that reason. The server listens on 127.0.0.1 only and is stopped at the end.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def _bindir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: [int(x) for x in Path(p).parent.name.split(".") if x.isdigit()],
    )
    for candidate in reversed(candidates):
        if (Path(candidate) / "initdb").exists():
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ThrowawayPostgres:
    def __init__(self) -> None:
        self.bindir = _bindir()
        self.dir: Path | None = None
        self.url: str | None = None
        self.reason = ""
        self._prefix: list[str] = []

    def start(self) -> str | None:
        if self.bindir is None:
            self.reason = "no PostgreSQL server binaries (initdb) on this machine"
            return None
        self.dir = Path(tempfile.mkdtemp(prefix="cvi-test-pg-"))
        if os.geteuid() == 0:  # initdb refuses to run as root
            if (
                shutil.which("runuser") is None
                or subprocess.run(["id", "postgres"], capture_output=True).returncode != 0
            ):
                self.reason = "running as root without a 'postgres' user to run the server"
                return None
            shutil.chown(self.dir, "postgres")
            self._prefix = ["runuser", "-u", "postgres", "--"]
        port = _free_port()
        data = self.dir / "data"
        try:
            subprocess.run(
                [
                    *self._prefix,
                    str(self.bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "cvi",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [
                    *self._prefix,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(data),
                    "-l",
                    str(self.dir / "log"),
                    "-w",
                    "-o",
                    f"-p {port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start",
                ],
                check=True,
                capture_output=True,
            )
            subprocess.run(
                [
                    str(self.bindir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-U",
                    "cvi",
                    "cvi_test",
                ],
                check=True,
                capture_output=True,
            )
        except (subprocess.CalledProcessError, OSError) as exc:
            self.reason = f"could not start a throwaway PostgreSQL server: {exc}"
            self.stop()
            return None
        self.url = f"postgresql+psycopg://cvi@127.0.0.1:{port}/cvi_test"
        return self.url

    def stop(self) -> None:
        if self.dir is None or self.bindir is None:
            return
        if (self.dir / "data" / "postmaster.pid").exists():
            subprocess.run(
                [
                    *self._prefix,
                    str(self.bindir / "pg_ctl"),
                    "-D",
                    str(self.dir / "data"),
                    "-m",
                    "immediate",
                    "stop",
                ],
                capture_output=True,
            )
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir = None
