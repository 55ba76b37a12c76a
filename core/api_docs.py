"""The API documentation page and schema, for signed-in users only.

Swagger UI comes from our own static files (`static/swagger-ui/`, copied from the pinned
`swagger-ui-dist` npm package by `frontend/build.mjs`), not a CDN, and is started by a separate
script from the same URL (drf-spectacular's split view), so the page needs no inline script.
The one CSP relaxation left is inline *styles* on this page, which Swagger UI sets on its elements.
See docs/adr/0102-content-security-policy.md.
"""

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    permission_classes = [IsAuthenticated]


class ApiSchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated]


api_docs = login_required(
    csp_update({"style-src": ["'unsafe-inline'"]})(ApiDocsView.as_view(url_name="schema"))
)
api_schema = ApiSchemaView.as_view()
