"""The one way Resettle makes PDFs: WeasyPrint, A4, system fonts, only our own static files."""

import logging
import mimetypes
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

logging.getLogger("weasyprint.progress").setLevel(
    logging.WARNING
)  # one INFO line per CSS step otherwise

from weasyprint import HTML  # noqa: E402 - after quietening its import-time progress log
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402


def static_root() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


class StaticOnlyFetcher(URLFetcher):
    """Serves file: URLs inside the project's static/ directory; refuses every other URL (network, other files)."""

    def fetch(self, url, headers=None):
        if not url.startswith("file:"):
            raise ValueError(f"refused to fetch {url.split(':', 1)[0]}: URL in a PDF")
        from urllib.request import url2pathname

        path = Path(url2pathname(url.split("?", 1)[0].removeprefix("file:"))).resolve()
        root = static_root()
        if root not in path.parents or not path.is_file():
            raise ValueError("refused to fetch a file outside static/")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(
            path.as_uri(), path.read_bytes(), headers={"Content-Type": mime_type}
        )


def render_pdf(*, template_name: str, context: dict) -> bytes:
    """Render a templates/pdf/ template to PDF bytes. Relative URLs resolve inside static/."""
    html = render_to_string(template_name, context)
    return HTML(
        string=html, base_url=static_root().as_uri() + "/", url_fetcher=StaticOnlyFetcher()
    ).write_pdf()
