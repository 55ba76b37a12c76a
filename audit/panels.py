"""Person page panel: the subject access export link, for the owning agency's managers (no queries)."""

from consent import policy


def person_panels(*, user, person, access) -> list[dict]:
    if not policy.may_export_subject_access(user, person):
        return []
    return [{"template": "audit/subject_access_panel.html", "person": person}]
