"""Navigation for the header: what the acting user may open, with counts where cheap."""

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from consent import policy

# (label, url name, the consent.policy action that shows it). Apps add entries here.
NAV_ITEMS = [
    ("Caseload", "casework:caseload", "person.view"),
    ("My work", "casework:my_work", "person.view"),
    ("Referrals", "referrals:inbox", "referral.make"),
    ("Custody", "custody:worklist", "custody.nav"),
    ("Employers", "employers:employer_list", "employer.work"),
    ("Checks due", "employers:checks_due", "checks_due.view"),
    ("Post-exit checks", "reporting:check_list", "post_exit.view"),
    ("Reports", "reporting:report_list", "report.view"),
    ("Restricted records", "consent:restricted_list", "restricted.grant"),
    ("Emergency access", "consent:emergency_list", "emergency.review"),
    ("Access log", "audit:user_access", "audit.view_user"),
    ("Notifications", "notifications", "notification.view"),
]

# url name -> dotted path of `func(user) -> int`, shown after the label when non-zero (one cheap query each).
NAV_COUNTS = {
    "referrals:inbox": "referrals.selectors.nav_count",
    "notifications": "core.notifications.unread_count",
}


def navigation(request):
    acting = getattr(getattr(request, "user", None), "acting", None)
    if acting is None:
        return {"nav_items": []}
    items = []
    for label, url_name, action in NAV_ITEMS:
        if not policy.can(request.user, action):
            continue
        try:
            href = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed yet
        count = import_string(NAV_COUNTS[url_name])(request.user) if url_name in NAV_COUNTS else 0
        text = f"{label} ({count})" if count else label
        items.append({"text": text, "href": href, "active": False})
    # the current section: the item whose address is the longest start of this page's (a person's
    # or case's pages fall under the caseload at "/"; /my-work/ is My work alone)
    current = max(
        (item for item in items if request.path.startswith(item["href"])),
        key=lambda item: len(item["href"]),
        default=None,
    )
    if current is not None:
        current["active"] = True
    return {
        "nav_items": items,
        "acting": acting,
        "can_search_people": policy.can(request.user, "person.view"),
    }
