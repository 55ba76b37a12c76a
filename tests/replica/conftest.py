"""A real streaming replica for tests/replica (issue 23, core/replica.py, ADR 0111).

Made once per test session, on this machine, with the PostgreSQL 15 server binaries:

1. a small private primary cluster (`initdb`, port from 5439 up, wal_level replica, replication
   allowed from 127.0.0.1), with the test database migrated into it;
2. a streaming replica of it made with `pg_basebackup -R -X stream` and started as a hot standby
   (port from 5440 up).

Why not a copy of the shared cluster on 5432: `pg_basebackup` copies every database on it (2 GB on
this machine today, with two benchmark databases: about a minute), and a hot standby of it does not
accept connections while any session on the primary holds a transaction with more than 64
subtransactions (PostgreSQL 15 waits for a snapshot without overflow): the other engineers' test
suites hold such transactions for minutes, so the standby did not open in 90 s. The private primary
is the same PostgreSQL and the same replication, costs a few MB and is independent of the rest of the
machine. Both clusters run as the `postgres` OS user (runuser when the tests run as root), use no
replication slot, and are stopped and removed at the end of the session whatever happened.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 180
DATABASE = "resettle_replica_test"


def _bindir() -> Path | None:
    for candidate in (os.environ.get("PG_BINDIR"), "/usr/lib/postgresql/15/bin"):
        if candidate and (Path(candidate) / "pg_basebackup").exists():
            return Path(candidate)
    found = shutil.which("pg_basebackup")
    return Path(found).parent if found else None


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _free_port(start: int, taken=()) -> int:
    for port in range(start, start + 60):
        if port in taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port for a test cluster")


def _run(args, **kwargs):
    return subprocess.run(
        args, capture_output=True, text=True, timeout=kwargs.pop("timeout", TIMEOUT), **kwargs
    )


@dataclass
class Cluster:
    bindir: Path
    datadir: Path
    port: int
    started: bool = field(default=False)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def ctl(self, *args, check=True):
        return _run(
            _as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]),
            check=check,
        )

    def write_conf(self, lines: list[str]):
        text = {
            "postgresql.conf": "\n".join(
                [
                    "listen_addresses = '127.0.0.1'",
                    f"port = {self.port}",
                    f"unix_socket_directories = '{self.datadir}'",
                    f"hba_file = '{self.datadir}/pg_hba.conf'",
                    f"ident_file = '{self.datadir}/pg_ident.conf'",
                    "shared_buffers = 16MB",
                    "max_connections = 40",
                    "fsync = off",
                    "full_page_writes = off",
                    "synchronous_commit = off",
                    *lines,
                ]
            )
            + "\n",
            "pg_hba.conf": "local all all trust\nhost all all 127.0.0.1/32 trust\n"
            "host replication all 127.0.0.1/32 trust\n",
            "pg_ident.conf": "",
        }
        for name, content in text.items():
            (self.datadir / name).write_text(content)
            if os.geteuid() == 0:
                shutil.chown(self.datadir / name, "postgres", "postgres")

    def start(self):
        self.ctl("-l", str(self.datadir / "server.log"), "-w", "-t", "90", "start")
        self.started = True
        self.wait_until_ready()

    def stop(self, mode="fast"):
        self.ctl("-m", mode, "-w", "-t", "60", "stop", check=False)
        self.started = False

    def sql(self, query: str, database: str = "postgres") -> str:
        return _run(
            ["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database]
            + ["-Atqc", query],
            timeout=30,
            check=True,
        ).stdout.strip()

    def wait_until_ready(self):
        deadline = time.monotonic() + 90
        while True:
            try:
                self.sql("SELECT 1")
                return
            except subprocess.CalledProcessError:
                pass
            if time.monotonic() > deadline:
                log = (self.datadir / "server.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"{self.datadir} did not start:\n{log}")
            time.sleep(0.3)


def _datadir(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


@dataclass
class Replication:
    primary: Cluster
    replica: Cluster
    setup_seconds: float = 0.0

    @property
    def primary_url(self):
        return self.primary.url

    @property
    def url(self):
        return self.replica.url

    def stop(self):
        self.replica.stop()

    def start(self):
        self.replica.start()


@pytest.fixture(scope="session")
def streaming_replica():
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_basebackup, pg_ctl) are not installed")
    began = time.monotonic()
    primary_port = _free_port(5439)
    primary = Cluster(bindir, _datadir("resettle-primary-"), primary_port)
    replica = Cluster(bindir, _datadir("resettle-replica-"), _free_port(5440, {primary_port}))
    try:
        _run(
            _as_postgres(
                [str(bindir / "initdb"), "-D", str(primary.datadir), "-U", "postgres"]
                + ["--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]
            ),
            check=True,
        )
        primary.write_conf(["wal_level = replica", "max_wal_senders = 5"])
        primary.start()
        primary.sql(f"CREATE DATABASE {DATABASE}")
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "DATABASE_URL": primary.url,
        }
        env.pop("DATABASE_REPLICA_URL", None)
        migrated = _run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            cwd=ROOT,
            env=env,
            timeout=600,
        )
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        _run(
            _as_postgres(
                [str(bindir / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port)]
                + ["-U", "postgres", "-D", str(replica.datadir), "-X", "stream", "-c", "fast"]
                + ["-R", "--no-sync"]
            ),
            check=True,
        )
        replica.write_conf(["hot_standby = on", "wal_receiver_status_interval = 1s"])
        replica.start()
        assert replica.sql("SELECT pg_is_in_recovery()") == "t"
        yield Replication(primary, replica, time.monotonic() - began)
    finally:
        for cluster in (replica, primary):
            if (cluster.datadir / "postmaster.pid").exists():
                cluster.stop(mode="immediate")
            shutil.rmtree(cluster.datadir, ignore_errors=True)
