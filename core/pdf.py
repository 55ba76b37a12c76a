"""HTML -> PDF with WeasyPrint that can fetch only the project's own static files.

Pages rendered to PDF contain user-typed text; a stray <img src="http://..."> or
file:///etc/passwd must not make the server fetch it. `render_pdf` resolves /static/... URLs to
files through the staticfiles finders and refuses every other URL except data: URIs.
"""

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

BASE_URL = (
    "https://resettle.invalid/"  # relative and /static/ URLs resolve against this, never fetched
)


def _static_roots() -> list[Path]:
    return [Path(d).resolve() for d in settings.STATICFILES_DIRS] + [
        Path(settings.STATIC_ROOT).resolve()
    ]


def _within_static(path: Path) -> bool:
    resolved = path.resolve()
    return any(resolved == root or root in resolved.parents for root in _static_roots())


def _fetcher_class():
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "data":
                return super().fetch(url, headers)
            if (
                parts.scheme == "https"
                and f"{parts.scheme}://{parts.netloc}/" == BASE_URL
                and parts.path.startswith(settings.STATIC_URL)
            ):
                relative = parts.path[len(settings.STATIC_URL) :]
                found = finders.find(relative) or str(Path(settings.STATIC_ROOT) / relative)
                path = Path(found)
                if path.is_file() and _within_static(path):
                    return super().fetch(path.resolve().as_uri(), headers)
            if (
                parts.scheme == "file"
                and _within_static(Path(parts.path))
                and Path(parts.path).is_file()
            ):
                return super().fetch(url, headers)
            raise ValueError(
                f"PDF rendering may only load the project's static files, not {url[:80]}"
            )

    return StaticOnlyFetcher


def safe_url_fetcher():
    return _fetcher_class()(
        timeout=5, allowed_protocols={"https", "file", "data"}, allow_redirects=False
    )


def render_pdf(html: str) -> bytes:
    from weasyprint import HTML

    return HTML(string=html, base_url=BASE_URL, url_fetcher=safe_url_fetcher()).write_pdf()
