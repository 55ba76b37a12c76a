import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not shutil.which("docker-compose"),
    reason="docker-compose is installed by scripts/ensure-apt.sh",
)
def test_docker_compose_file_is_valid():
    env = dict(
        os.environ,
        DJANGO_SECRET_KEY="x" * 50,
        POSTGRES_PASSWORD="example",
        DATABASE_APP_PASSWORD="example-app",
    )
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for service in ("migrate:", "web:", "worker:", "beat:", "db:", "redis:"):
        assert service in result.stdout
    assert "gunicorn config.wsgi" in result.stdout


def test_the_app_connects_as_the_application_role_and_only_migrate_as_the_owner():
    """Issue 16: web, worker and beat use resettle_app (SELECT and INSERT only on the audit table);
    the one-shot migrate service runs migrations as the owner and then grants the role."""
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    for name in ("web", "worker", "beat"):
        url = services[name]["environment"]["DATABASE_URL"]
        assert url.startswith("postgres://resettle_app:"), (name, url)
        assert "migrate" not in services[name]["command"], name
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    migrate = services["migrate"]
    assert migrate["environment"]["DATABASE_URL"].startswith("postgres://resettle:")
    assert migrate["environment"]["DATABASE_APP_ROLE"] == "resettle_app"
    assert "migrate --no-input" in migrate["command"] and "db_app_role" in migrate["command"]


def test_the_compose_web_healthcheck_asks_readyz():
    """Issue 23: /readyz (core/health.py) answers a plain-HTTP probe of 127.0.0.1; /sign-in/ would be
    redirected to HTTPS and refused for its host when DEBUG is off."""
    import yaml

    web = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["web"]
    assert "http://127.0.0.1:8000/readyz" in " ".join(web["healthcheck"]["test"])


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme


WAIT_FOR_MIGRATIONS = "python manage.py migrate --check --no-input -v0"


@pytest.mark.django_db
def test_kubernetes_pods_wait_for_migrations_with_a_command_the_application_role_can_run(app_role):
    """Issue 23 (ADR 0109): web, worker and beat pods wait in an init container until
    `migrate --check` passes. It runs as the application role (it has no owner credentials): on the
    migrated test database, with production settings, it exits 0."""
    from django.db import connection

    from tests.conftest import APP_ROLE_PASSWORD

    for name in ("web", "worker", "beat"):
        assert (
            WAIT_FOR_MIGRATIONS in (ROOT / "deploy" / "k8s" / "base" / f"{name}.yaml").read_text()
        )
    db = connection.settings_dict
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_SECRET_KEY": "x" * 50,
        "DATABASE_URL": (
            f"postgres://{app_role}:{APP_ROLE_PASSWORD}@{db['HOST'] or '127.0.0.1'}:"
            f"{db['PORT'] or 5432}/{db['NAME']}"
        ),
    }
    result = subprocess.run(
        [sys.executable, *WAIT_FOR_MIGRATIONS.split()[1:]],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
