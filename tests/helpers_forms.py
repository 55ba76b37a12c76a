"""Reading GOV.UK error messages out of a rendered page (issue 18 tests)."""

import html as html_lib
import re


def field_error(html: str, field_id: str) -> str:
    """The error message shown next to the field with this id ("" if there is none)."""
    match = re.search(
        rf'<p id="{re.escape(field_id)}-error" class="govuk-error-message">(.*?)</p>', html, re.S
    )
    if not match:
        return ""
    text = re.sub(r"<span class=\"govuk-visually-hidden\">.*?</span>", "", match.group(1))
    return html_lib.unescape(" ".join(re.sub(r"<[^>]+>", " ", text).split()))


def input_value(html: str, name: str) -> str | None:
    """The value a text input called `name` shows (what the user typed stays)."""
    match = re.search(rf'<input[^>]*name="{re.escape(name)}"[^>]*>', html)
    if not match:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return html_lib.unescape(value.group(1)) if value else ""


def date_parts(day) -> tuple[str, str, str]:
    return str(day.day), str(day.month), str(day.year)


def date_post(prefix: str, day) -> dict:
    d, m, y = date_parts(day)
    return {f"{prefix}_day": d, f"{prefix}_month": m, f"{prefix}_year": y}
