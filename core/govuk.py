"""Render GOV.UK Frontend components from Python, through the maintained Jinja port.

govuk-frontend-jinja is the port of the Design System's own Nunjucks macros that
govuk-frontend-django wraps; we call the macros directly with one cached environment so each
template is compiled once, and build the parameters from Django forms (see templatetags).
"""

from functools import lru_cache

from django.utils.safestring import mark_safe
from jinja2 import Environment, PackageLoader, PrefixLoader, select_autoescape

_MACROS = {
    "button": "govukButton",
    "checkboxes": "govukCheckboxes",
    "date-input": "govukDateInput",
    "error-summary": "govukErrorSummary",
    "file-upload": "govukFileUpload",
    "input": "govukInput",
    "password-input": "govukPasswordInput",
    "radios": "govukRadios",
    "select": "govukSelect",
    "textarea": "govukTextarea",
    "tag": "govukTag",
    "summary-list": "govukSummaryList",
    "table": "govukTable",
    "pagination": "govukPagination",
    "notification-banner": "govukNotificationBanner",
    "warning-text": "govukWarningText",
    "inset-text": "govukInsetText",
    "details": "govukDetails",
    "back-link": "govukBackLink",
    "header": "govukHeader",
    "service-navigation": "govukServiceNavigation",
    "skip-link": "govukSkipLink",
    "footer": "govukFooter",
    "phase-banner": "govukPhaseBanner",
    "panel": "govukPanel",
    "breadcrumbs": "govukBreadcrumbs",
}


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


@lru_cache(maxsize=64)
def _template(name: str):
    macro = _MACROS[name]
    source = (
        f"{{%- from 'govuk_frontend_jinja/components/{name}/macro.html' import {macro} -%}}"
        f"{{{{ {macro}(params) }}}}"
    )
    return _environment().from_string(source)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def component(name: str, params: dict) -> str:
    """HTML for one Design System component, e.g. component("input", {...})."""
    return mark_safe(_template(name).render(params=_clean(params)))  # noqa: S308 - rendered by autoescaping Jinja
