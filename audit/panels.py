"""Person page panel: the subject access export link, for managers (no queries)."""

from consent import policy


def person_panels(*, user, person) -> list[dict]:
    if not policy.can(user, "audit.view_user"):
        return []
    return [{"template": "audit/subject_access_panel.html", "person": person}]
