"""Sections other apps add to the person and case pages.

An app contributes by defining `<app>/panels.py` with

    def person_panels(*, user, person) -> list[dict]   # each {"template": "...", **context}
    def case_panels(*, user, case) -> list[dict]

Each function must run a fixed number of queries and show only what `user` may see.
"""

from importlib import import_module

PANEL_APPS = ["casework", "consent", "referrals", "employers", "custody", "reporting", "audit"]


def collect(kind: str, **kwargs) -> list[dict]:
    panels = []
    for app in PANEL_APPS:
        try:
            module = import_module(f"{app}.panels")
        except ModuleNotFoundError as exc:
            if exc.name != f"{app}.panels":
                raise
            continue
        func = getattr(module, f"{kind}_panels", None)
        if func is not None:
            panels.extend(func(**kwargs))
    return panels
