"""A PostgreSQL server of Debian's postgresql package for the tests and the benchmarks: made in a
temporary folder (initdb), started on a Unix socket there and on no network port (pg_ctl), stopped
after. As root it runs as the package's postgres user, since PostgreSQL refuses to run as root."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import subprocess
from pathlib import Path

PORT = 5432  # on the folder's socket only
USER = "cbme"


def binaries() -> Path:
    """The folder of the newest installed PostgreSQL's programs."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: `make test` installs Debian's postgresql package")
    return found[-1].parent


def _as_server_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class Server:
    """A running server; database() makes a new, empty database on it and returns its URL."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._names = itertools.count(1)

    def database(self) -> str:
        name = f"test_{next(self._names)}"
        self.run("createdb", "-h", str(self.folder), "-p", str(PORT), "-U", USER, name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql://{USER}@/{name}?host={self.folder}&port={PORT}"

    def run(self, program: str, *args: str) -> str:
        return subprocess.run(_as_server_user([str(binaries() / program), *args]), check=True,
                              capture_output=True, text=True).stdout


@contextlib.contextmanager
def postgres_server(folder: Path):
    folder.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    server = Server(folder)
    data = folder / "data"
    server.run("initdb", "-D", str(data), "-A", "trust", "-U", USER, "--no-sync")
    server.run("pg_ctl", "-D", str(data), "-l", str(folder / "server.log"), "-w", "-o",
               f"-p {PORT} -k {folder} -c listen_addresses='' -c fsync=off", "start")
    try:
        yield server
    finally:
        server.run("pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop")
