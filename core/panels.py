"""Sections other apps add to the person and case pages.

An app contributes by defining `<app>/panels.py` with

    def person_panels(*, user, person, access) -> list[dict]   # each {"template": "...", **context}
    def case_panels(*, user, case, access) -> list[dict]
    def my_work_panels(*, user, mine_only, rows, cap) -> list[dict]   # My work lists, with "shown"
                                                       # (rows) and "people" (their person ids)

`access` is consent.policy.Access: what the acting agency sees of the person. Each function must
run a fixed number of queries and show only what `user` may see: a section the agency does not
see is absent (return no panel), not an empty box.

My work panels are decided by consent.policy actions ("my_work.*" and the actions of the work
itself); core.worklist builds them alike (up to `rows` rows, a count capped at `cap`, a "See all"
link to a full, paginated list). My work names the panels' "people" in its one audit event.
"""

from importlib import import_module

PANEL_APPS = ["casework", "consent", "referrals", "employers", "custody", "reporting", "audit"]


def collect(kind: str, **kwargs) -> list[dict]:
    if "access" not in kwargs:
        from consent import policy

        person = kwargs.get("person") or kwargs["case"].person
        kwargs["access"] = policy.access_for(kwargs["user"], person)
    return _gather(kind, kwargs)


def work(**kwargs) -> list[dict]:
    """Lists other apps add to My work: each shows at most `rows` rows and counts up to `cap`."""
    return _gather("my_work", kwargs)


def _gather(kind: str, kwargs: dict) -> list[dict]:
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
