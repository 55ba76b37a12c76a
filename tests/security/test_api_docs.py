"""The API documentation: Swagger UI from our own static files (pinned npm package, no CDN), and the
page and the schema for signed-in users only."""

import json
import re

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.test import APIClient

from agencies.tokens import api_token_issue

pytestmark = pytest.mark.django_db


def test_docs_page_loads_swagger_ui_from_our_own_static_files(client_for, caseworker_a):
    response = client_for(caseworker_a).get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(s.endswith("swagger-ui/swagger-ui-bundle.js") for s in sources)
    for source in sources:
        assert source.startswith("/"), source  # nothing from another origin
    csp = response.headers["Content-Security-Policy"]
    assert "jsdelivr" not in csp and "https:" not in csp
    script_src = csp.split("script-src")[1].split(";")[0]
    assert script_src.strip() == "'self'"
    assert "<style" not in html


def test_swagger_ui_is_a_pinned_package_copied_by_the_frontend_build():
    frontend = settings.BASE_DIR / "frontend"
    version = json.loads((frontend / "package.json").read_text())["devDependencies"][
        "swagger-ui-dist"
    ]
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)  # an exact version, not a range or @latest
    assert "swagger-ui-dist" in (frontend / "build.mjs").read_text()
    for name in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert (settings.BASE_DIR / "static" / "swagger-ui" / name).stat().st_size > 1000


def test_docs_page_asks_a_signed_out_visitor_to_sign_in():
    response = Client().get("/api/docs/")
    assert response.status_code == 302 and response.url.startswith("/sign-in/")
    script = Client().get("/api/docs/?script=")
    assert script.status_code == 302


def test_schema_needs_a_signed_in_user_or_a_token(caseworker_a):
    assert APIClient().get("/api/schema/").status_code in (401, 403)
    api = APIClient()
    api.credentials(
        HTTP_AUTHORIZATION=f"Token {api_token_issue(user=caseworker_a, two_factor=False)[1]}"
    )
    response = api.get("/api/schema/?format=json")
    assert response.status_code == 200 and "/api/v1/people/" in response.content.decode()
