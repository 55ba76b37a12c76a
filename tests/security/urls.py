"""Walk the URL resolver so the security checks cover every page, including apps added later."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch

SKIP_PREFIXES = ("/admin/", "/static/", "/media")


def _walk(patterns, namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry


KINDS = ("person", "people", "case", "consent", "referral", "employer", "spell", "report")


def _sample(route: str, param: str, ids: dict) -> str:
    """An id for the param: named by the param (case_pk) or by the path segment before it (cases/<pk>)."""
    prefix = route.split(f"{param}>")[0]
    match = re.search(r"([A-Za-z_-]+)/[^/]*$", prefix)
    before = match.group(1) if match else ""
    for words in (param.lower(), before.lower()):
        for key in KINDS:
            if key in words:
                key = "person" if key == "people" else key
                return str(ids.get(key, ids.get("person", 1)))
    return str(ids.get("person", 1))


def page_paths(ids: dict) -> dict[str, str]:
    """{url name: a concrete path} for every named route, params filled with the sample ids."""
    paths = {}
    for name, entry in _walk(get_resolver().url_patterns):
        params = set(entry.pattern.regex.groupindex)
        if "format" in params:
            continue
        kwargs = {p: _sample(str(entry.pattern), p, ids) for p in params}
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
        if not path.startswith(SKIP_PREFIXES):
            paths.setdefault(name, path)
    return paths


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style[\s>]", re.I)
EVENT_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"href\s*=\s*[\"']\s*javascript:", re.I)


def inline_code(html: str) -> list[str]:
    """What a strict CSP (no unsafe-inline) would block in this page."""
    problems = []
    for label, rx in (
        ("inline script", INLINE_SCRIPT),
        ("style attribute", STYLE_ATTR),
        ("style block", STYLE_BLOCK),
        ("event handler attribute", EVENT_HANDLER),
        ("javascript: URL", JS_URL),
    ):
        match = rx.search(html)
        if match:
            problems.append(f"{label}: {html[max(0, match.start() - 40) : match.end() + 60]!r}")
    return problems
