from importlib import import_module

from django.contrib import admin
from django.urls import include, path
from django.views.generic import TemplateView

from agencies.views import SignInView, SignOutView
from core import notification_views
from core.api_docs import api_docs, api_schema

urlpatterns = [
    path("sign-in/", SignInView.as_view(), name="login"),
    path("sign-out/", SignOutView.as_view(), name="logout"),
    path("signed-out/", TemplateView.as_view(template_name="signed_out.html"), name="signed_out"),
    path("admin/", admin.site.urls),
    path("api/v1/", include(("config.api_urls", "api"), namespace="api")),
    path("api/schema/", api_schema, name="schema"),
    path("api/docs/", api_docs, name="api_docs"),
    path(
        "accessibility/",
        TemplateView.as_view(template_name="accessibility.html"),
        name="accessibility",
    ),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path(
        "notifications/<int:pk>/open/",
        notification_views.notification_open,
        name="notification_open",
    ),
    path(
        "notifications/read/", notification_views.notification_read_all, name="notifications_read"
    ),
    path("", include("agencies.urls")),
    path("", include("consent.urls")),
    path("", include("audit.urls")),
]

# Each domain app with a urls.py is mounted at the root (its paths are prefixed by the app itself).
for app in ("referrals", "employers", "custody", "reporting"):
    try:
        import_module(f"{app}.urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.urls":
            raise
        continue
    urlpatterns.append(path("", include(f"{app}.urls")))

urlpatterns.append(path("", include("casework.urls")))

# JSON for /api/ paths, GOV.UK pages elsewhere, also when the database is down (core/error_views.py).
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"
