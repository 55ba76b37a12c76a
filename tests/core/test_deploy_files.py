import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(
    not shutil.which("docker-compose"),
    reason="docker-compose is installed by scripts/ensure-apt.sh",
)
def test_docker_compose_file_is_valid():
    env = dict(os.environ, DJANGO_SECRET_KEY="x" * 50, POSTGRES_PASSWORD="example")
    result = subprocess.run(
        ["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    for service in ("web:", "worker:", "beat:", "db:", "redis:"):
        assert service in result.stdout
    assert "gunicorn config.wsgi" in result.stdout


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make run" in readme and "make test" in readme
