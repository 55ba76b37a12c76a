"""The test command runs the code security checks; pip-audit stays a documented manual step."""

import tomllib

from django.conf import settings


def _pyproject():
    return tomllib.loads((settings.BASE_DIR / "pyproject.toml").read_text())


def test_ruff_security_rules_are_on():
    lint = _pyproject()["tool"]["ruff"]["lint"]
    assert "S" in lint["select"]
    assert not {"S", "S1", "S3", "S5", "S6"} & set(lint.get("ignore", []))


def test_make_test_runs_ruff_and_bandit_but_not_pip_audit():
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    test_target = makefile.split("\ntest:", 1)[1].split("\n\n", 1)[0]
    assert "ruff check ." in test_target and "bandit" in test_target
    assert "pip-audit" not in test_target
    assert (
        "\naudit:" in makefile
        and "pip-audit" in makefile.split("\naudit:", 1)[1].split("\n\n", 1)[0]
    )


def test_security_note_says_how_to_report_a_problem_and_run_pip_audit():
    note = (settings.BASE_DIR / "SECURITY.md").read_text()
    assert "## Reporting a problem" in note
    assert "make audit" in note
