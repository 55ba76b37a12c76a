"""One policy in fact: every decision of who may see or do what lives in consent/policy.py.

The suite fails when code outside consent/ reads the acting role or the acting agency's kind (to
decide access), or queries the access and consent tables directly. A new exception needs its
reason written in ALLOWED below, where a reviewer sees it.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = [
    "agencies",
    "audit",
    "casework",
    "core",
    "custody",
    "employers",
    "referrals",
    "reporting",
    "config",
]
PROTECTED_MODELS = {
    "PersonAccess",
    "ConsentRecord",
    "CaseInvolvement",
    "StatutoryGateway",
    "RestrictedPersonUserPermission",
    "EmergencyAccess",
}
# path -> why it may do what the rule forbids (kept short on purpose)
ALLOWED = {
    "agencies/security.py": "who must use two-factor is authentication, not access to records",
    "reporting/measures.py": "outcome measures count involvements in aggregate, never per person",
}


def _python_files():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel or rel.endswith("/demo.py") or rel.startswith("core/loadgen/"):
                continue  # schema history, synthetic data generators
            yield rel, path


def _is_acting(node) -> bool:
    """`acting`, `<x>.acting`, `acting_of(...)`, `policy.acting_of(...)` or `<that>.agency`."""
    if isinstance(node, ast.Attribute) and node.attr == "agency":
        node = node.value
    if isinstance(node, ast.Name):
        return node.id == "acting"
    if isinstance(node, ast.Attribute):
        return node.attr == "acting"
    if isinstance(node, ast.Call):
        func = node.func
        return (isinstance(func, ast.Name) and func.id == "acting_of") or (
            isinstance(func, ast.Attribute) and func.attr == "acting_of"
        )
    return False


def _violations(source: str):
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in {"role", "kind"} and _is_acting(node.value):
                yield node.lineno, f"reads the acting {node.attr}"
            if (
                node.attr in {"objects", "_base_manager", "_default_manager"}
                and isinstance(node.value, ast.Name)
                and node.value.id in PROTECTED_MODELS
            ):
                yield node.lineno, f"queries {node.value.id} directly"


def test_no_access_decision_outside_the_policy():
    found = []
    for rel, path in _python_files():
        if rel in ALLOWED:
            continue
        for line, what in _violations(path.read_text()):
            found.append(f"{rel}:{line}: {what}")
    assert not found, "access decided outside consent/policy.py:\n" + "\n".join(found)


def test_templates_do_not_decide_by_role_or_kind():
    pattern = re.compile(r"acting\.(role|kind|agency\.kind)\s*(==|!=|\bin\b|\bnot\b)")
    found = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in sorted((ROOT / "templates").rglob("*.html"))
        for match in pattern.finditer(path.read_text())
    ]
    assert not found, "templates deciding access by role or kind:\n" + "\n".join(found)


def test_the_check_catches_what_it_should():
    """The scanner itself: a role check and a consent query are found, an agency id is not."""
    bad = (
        "def f(user):\n"
        "    if user.acting.role == 'manager':\n"
        "        return ConsentRecord.objects.all()\n"
        "    return policy.acting_of(user).agency.kind\n"
    )
    assert [what for _line, what in sorted(_violations(bad))] == [
        "reads the acting role",
        "queries ConsentRecord directly",
        "reads the acting kind",
    ]
    assert not list(_violations("x = user.acting.agency_id\ny = spell.kind\n"))
    for reason in ALLOWED.values():
        assert len(reason) > 20
