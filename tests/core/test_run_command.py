"""The README's first command works on the embedded default: SQLite, eager Celery, demo data."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_seed_demo_then_server_answers_on_sqlite(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CELERY_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_DEBUG": "true",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "MEDIA_ROOT": str(tmp_path / "media"),
        }
    )
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run(
        [*manage, "migrate", "--no-input", "-v0"], cwd=ROOT, env=env, check=True, timeout=300
    )
    seeded = subprocess.run(
        [*manage, "seed_demo", "--people", "40"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert "probation.luton" in seeded.stdout and "manager.east" in seeded.stdout
    again = subprocess.run(
        [*manage, "seed_demo", "--people", "40"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
        capture_output=True,
        text=True,
    )
    assert "Demo world ready" in again.stdout  # idempotent
    port = _free_port()
    server = subprocess.Popen(
        [*manage, "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        body = ""
        for _ in range(60):
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/sign-in/", timeout=2
                ) as response:  # noqa: S310
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert "Sign in to Resettle" in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_seed_demo_refused_when_debug_off(db):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="refused when DEBUG is off"):
        call_command("seed_demo")


def test_runjob_lists_and_rejects_unknown(db, capsys):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    call_command("runjob")
    assert "consent_expiry" in capsys.readouterr().out
    with pytest.raises(CommandError, match="Unknown job"):
        call_command("runjob", "no_such_job")
    call_command("runjob", "consent_expiry")
    assert "expired_recorded" in capsys.readouterr().out


def test_every_beat_entry_runs_a_registered_job():
    from django.conf import settings

    from core import jobs

    names = {entry["args"][0] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "requeue_stalled_reports" in names
    assert names <= set(jobs.registry())
    stalled = settings.CELERY_BEAT_SCHEDULE["requeue_stalled_reports"]["schedule"]
    # a dead build is re-queued within a minute of its last heartbeat
    assert settings.REPORT_HEARTBEAT_SECONDS + settings.REPORT_STALL_SECONDS + stalled <= 60
