"""The API documentation page under the Content-Security-Policy.

Swagger UI is served as separate scripts (no inline script). Only this page may load it from
the CDN and use inline styles (Swagger UI sets style attributes); it shows no personal data.
See docs/adr/0102-content-security-policy.md.
"""

from csp.decorators import csp_update
from drf_spectacular.views import SpectacularSwaggerSplitView

CDN = "https://cdn.jsdelivr.net"

api_docs = csp_update(
    {"script-src": [CDN], "style-src": [CDN, "'unsafe-inline'"], "img-src": [CDN]}
)(SpectacularSwaggerSplitView.as_view(url_name="schema"))
