"""Template tags that render Django form fields as GOV.UK Design System components."""

from django import forms, template
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.forms import DateInputWidget, TimeField, govuk_field_id
from core.govuk import component

register = template.Library()


def _label(bound_field, *, is_page_heading=False, classes=None):
    label = {"text": str(bound_field.label), "isPageHeading": is_page_heading}
    if classes:
        label["classes"] = classes
    return label


def _common(bound_field):
    params = {}
    if bound_field.help_text:
        params["hint"] = {"text": str(bound_field.help_text)}
    if bound_field.errors:
        params["errorMessage"] = {"text": " ".join(str(e) for e in bound_field.errors)}
    return params


def _value(bound_field):
    value = bound_field.value()
    return "" if value is None else str(value)


def _choices(bound_field, *, multiple):
    current = bound_field.value()
    if multiple:
        selected = {str(v) for v in (current or [])}
    else:
        selected = {str(current)} if current not in (None, "") else set()
    items = []
    for value, text in bound_field.field.choices:
        value = "" if value is None else str(getattr(value, "value", value))
        items.append(
            {
                "value": value,
                "text": str(text),
                "checked": value in selected,
                "selected": value in selected,
            }
        )
    return items


def _fieldset(bound_field, legend_classes):
    return {
        "legend": {
            "text": str(bound_field.label),
            "classes": legend_classes or "govuk-fieldset__legend--s",
        }
    }


def _reveal_conditionals(bound_field, items) -> str:
    """The Design System's conditional radios: the questions a choice makes relevant are shown
    under it, only when it is chosen (form.conditional_fields, see GovUKFormMixin). A question
    with an error under a choice that is not chosen is shown after the radios instead, so its
    message is never hidden. Returns the HTML of those."""
    reveals = getattr(bound_field.form, "conditional_fields", {}).get(bound_field.name, {})
    stranded = []
    for item in items:
        names = [n for n in reveals.get(item["value"], ()) if n in bound_field.form.fields]
        inside = [n for n in names if item["checked"] or not bound_field.form[n].errors]
        stranded += [n for n in names if n not in inside and n not in stranded]
        if inside:
            html = "".join(govuk_field(bound_field.form[n], _nested=True) for n in inside)
            item["conditional"] = {"html": html}
    return mark_safe("".join(govuk_field(bound_field.form[n], _nested=True) for n in stranded))  # noqa: S308 - built by the components


def _is_conditional(bound_field) -> bool:
    """Whether the field is a conditional question, rendered by its radio field instead."""
    form = bound_field.form
    return any(
        bound_field.name in names
        for radio, reveals in getattr(form, "conditional_fields", {}).items()
        if radio in form.fields
        for names in reveals.values()
    )


@register.simple_tag
def govuk_field(
    bound_field, classes="", legend_classes="", inline=False, page_heading=False, _nested=False
):
    """Render one bound field with the matching Design System component. A conditional
    question renders nothing here: its radio field shows it under the choice."""
    if not _nested and _is_conditional(bound_field):
        return ""
    widget = bound_field.field.widget
    params = _common(bound_field)
    name, field_id = bound_field.html_name, bound_field.auto_id
    attrs = {
        k: v
        for k, v in widget.attrs.items()
        if k in {"autocomplete", "spellcheck", "maxlength", "data-module"}
    }

    if isinstance(widget, DateInputWidget):
        parts = bound_field.value()
        if not isinstance(parts, list | tuple):
            parts = widget.decompress(parts)
        items = []
        for part, value, width in zip(("day", "month", "year"), parts, (2, 2, 4), strict=True):
            item_classes = f"govuk-input--width-{width}" + (
                " govuk-input--error" if bound_field.errors else ""
            )
            items.append(
                {
                    "id": f"{field_id}-{part}",
                    "name": f"{name}_{part}",
                    "label": part.capitalize(),
                    "value": "" if value is None else str(value),
                    "classes": item_classes,
                    "inputmode": "numeric",
                }
            )
        params.update(
            {"id": field_id, "items": items, "fieldset": _fieldset(bound_field, legend_classes)}
        )
        return component("date-input", params)

    if isinstance(widget, forms.CheckboxSelectMultiple):
        params.update(
            {
                "idPrefix": field_id,
                "name": name,
                "items": _choices(bound_field, multiple=True),
                "fieldset": _fieldset(bound_field, legend_classes),
                "classes": "govuk-checkboxes--small",
            }
        )
        return component("checkboxes", params)

    if isinstance(widget, forms.RadioSelect):
        items = [i for i in _choices(bound_field, multiple=False) if i["value"] != ""]
        stranded = _reveal_conditionals(bound_field, items)
        params.update(
            {
                "idPrefix": field_id,
                "name": name,
                "items": items,
                "fieldset": _fieldset(bound_field, legend_classes),
                # the Design System: no conditional questions in inline radios
                "classes": "govuk-radios--inline"
                if inline and not stranded and not any("conditional" in i for i in items)
                else None,
            }
        )
        return component("radios", params) + stranded

    if isinstance(widget, forms.CheckboxInput):
        params.update(
            {
                "idPrefix": field_id,
                "name": name,
                "classes": "govuk-checkboxes--small",
                "items": [
                    {
                        "value": "on",
                        "text": str(bound_field.label),
                        "checked": bool(bound_field.value()),
                        "id": field_id,
                    }
                ],
            }
        )
        return component("checkboxes", params)

    if isinstance(widget, forms.Select):
        params.update(
            {
                "id": field_id,
                "name": name,
                "label": _label(bound_field),
                "items": _choices(bound_field, multiple=False),
                "classes": classes or None,
            }
        )
        return component("select", params)

    if isinstance(widget, forms.Textarea):
        params.update(
            {
                "id": field_id,
                "name": name,
                "label": _label(bound_field),
                "value": _value(bound_field),
                "rows": widget.attrs.get("rows", 5),
                "classes": classes or None,
            }
        )
        return component("textarea", params)

    if isinstance(widget, forms.ClearableFileInput | forms.FileInput):
        params.update({"id": field_id, "name": name, "label": _label(bound_field)})
        return component("file-upload", params)

    if isinstance(widget, forms.PasswordInput):
        params.update(
            {
                "id": field_id,
                "name": name,
                "label": _label(bound_field),
                "autocomplete": widget.attrs.get("autocomplete", "current-password"),
            }
        )
        return component("password-input", params)

    if not classes and isinstance(bound_field.field, TimeField):
        classes = "govuk-input--width-5"
    input_type = getattr(widget, "input_type", "text")
    params.update(
        {
            "id": field_id,
            "name": name,
            "label": _label(bound_field, is_page_heading=page_heading),
            "value": _value(bound_field),
            "type": input_type if input_type in {"email", "number", "tel", "search"} else "text",
            "classes": classes or None,
            "attributes": attrs or None,
            "autocomplete": widget.attrs.get("autocomplete"),
            "spellcheck": False if widget.attrs.get("spellcheck") == "false" else None,
        }
    )
    if input_type == "number":
        params["type"], params["inputmode"] = "text", "numeric"
    return component("input", params)


@register.simple_tag
def govuk_error_summary(*forms_):
    """The error summary for one or more forms, linked to the fields (put it first in <main>)."""
    error_list = []
    for form in forms_:
        if form is None or not form.errors:
            continue
        for message in form.non_field_errors():
            error_list.append({"text": str(message), "href": "#main-content"})
        for field in form:
            for message in field.errors:
                error_list.append({"text": str(message), "href": f"#{govuk_field_id(field)}"})
    if not error_list:
        return ""
    return component("error-summary", {"titleText": "There is a problem", "errorList": error_list})


@register.simple_tag
def govuk(name, **params):
    """Any simple component by name: {% govuk "tag" text="Overdue" classes="govuk-tag--red" %}."""
    return component(name, params)


@register.simple_tag
def govuk_button(text, classes="", name="", value=""):
    params = {"text": text, "classes": classes or None, "preventDoubleClick": True}
    if name:
        params.update({"name": name, "value": value})
    return component("button", params)


@register.filter
def rag_tag(value):
    colours = {"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}
    if not value:
        return format_html('<span class="app-meta">{}</span>', "Not rated")
    return component(
        "tag", {"text": str(value).capitalize(), "classes": f"app-rag {colours.get(value, '')}"}
    )


@register.simple_tag(takes_context=True)
def service_navigation(context):
    """The acting user's sections, with the current one marked. The service name is in the header
    above, so it is not repeated here."""
    items = [
        {"href": i["href"], "text": i["text"], "active": i["active"]}
        for i in context.get("nav_items", [])
    ]
    return component("service-navigation", {"navigation": items})


@register.simple_tag
def summary_rows(*pairs):
    """Not used directly: see the summary_list include."""
    return ""
