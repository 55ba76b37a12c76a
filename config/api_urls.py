"""API v1 routes. Each app's api.py may define register(router) and/or urlpatterns."""

from importlib import import_module

from django.urls import path
from rest_framework.routers import DefaultRouter

from agencies.api import AgencyViewSet, me
from agencies.api_token import obtain_token, revoke_token
from casework.api import CaseViewSet, PersonViewSet
from consent.api import ConsentViewSet

router = DefaultRouter()
router.register("agencies", AgencyViewSet, basename="agency")
router.register("people", PersonViewSet, basename="person")
router.register("cases", CaseViewSet, basename="case")
router.register("consents", ConsentViewSet, basename="consent")

extra = []
for app in ("referrals", "employers", "custody", "reporting", "casework", "consent"):
    try:
        module = import_module(f"{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name != f"{app}.api":
            raise
        continue
    if hasattr(module, "register"):
        module.register(router)
    extra += getattr(module, "urlpatterns", [])

urlpatterns = [
    path("auth/token/", obtain_token, name="api_token"),
    path("auth/sign-out/", revoke_token, name="api_sign_out"),
    path("me/", me, name="api_me"),
    *extra,
    *router.urls,
]
