"""Navigation for the header: what the acting user may open, with counts where cheap."""

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

# (label, url name, roles that see it; None = every staff role). Apps add entries here.
NAV_ITEMS = [
    (
        "Caseload",
        "casework:caseload",
        {"caseworker", "ebsa", "work_coach", "employment_adviser", "manager"},
    ),
    (
        "My work",
        "casework:my_work",
        {"caseworker", "ebsa", "work_coach", "employment_adviser", "manager"},
    ),
    (
        "Referrals",
        "referrals:inbox",
        {"caseworker", "ebsa", "work_coach", "employment_adviser", "manager"},
    ),
    ("Custody", "custody:worklist", {"ebsa", "work_coach"}),
    (
        "Employers",
        "employers:employer_list",
        {"caseworker", "work_coach", "employment_adviser", "manager"},
    ),
    ("Checks due", "employers:checks_due", {"employment_adviser", "caseworker", "manager"}),
    ("Post-exit checks", "reporting:check_list", {"caseworker", "manager"}),
    ("Reports", "reporting:report_list", {"manager"}),
    ("Access log", "audit:user_access", {"manager"}),
]

# url name -> dotted path of `func(user) -> int`, shown after the label when non-zero (one cheap query each).
NAV_COUNTS = {"referrals:inbox": "referrals.selectors.nav_count"}


def navigation(request):
    acting = getattr(getattr(request, "user", None), "acting", None)
    if acting is None:
        return {"nav_items": []}
    items = []
    for label, url_name, roles in NAV_ITEMS:
        if roles is not None and acting.role not in roles:
            continue
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed yet
        count = import_string(NAV_COUNTS[url_name])(request.user) if url_name in NAV_COUNTS else 0
        text = f"{label} ({count})" if count else label
        items.append({"text": text, "href": href, "active": request.path.startswith(href)})
    return {"nav_items": items, "acting": acting}
