"""Forms that know the workflow (issue 18): times, messages written for the user, next steps."""

import datetime
import importlib
import inspect
import pkgutil

import pytest
from django import forms
from django.apps import apps

from core.forms import GovUKFormMixin, TimeField, parse_time

# Django's own English texts that must never reach a user.
DJANGO_DEFAULTS = (
    "This field is required.",
    "Enter a whole number.",
    "Enter a number.",
    "Enter a valid",
    "Ensure this value",
    "Ensure that there are no more than",
    "Select a valid choice",
    "Enter a list of values.",
    "is not a valid value",
    "No file was submitted",
    "The submitted file is empty.",
    "Please either submit a file or check the clear checkbox",
    "Upload a valid image",
    "Null characters are not allowed",
)


def _project_form_classes():
    """Every Form class defined in a forms module (forms.py, *_forms.py) of a project app."""
    found = {}
    for config in apps.get_app_configs():
        if not config.path.startswith(str(apps.get_app_config("core").path).rsplit("/", 1)[0]):
            continue
        if ".venv" in config.path or "site-packages" in config.path:
            continue
        for module_info in pkgutil.iter_modules([config.path]):
            if not (module_info.name == "forms" or module_info.name.endswith("_forms")):
                continue
            module = importlib.import_module(f"{config.name}.{module_info.name}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if (
                    issubclass(cls, forms.BaseForm)
                    and cls.__module__ == module.__name__
                    and not cls.__dict__.get("abstract", False)
                ):
                    found[f"{cls.__module__}.{cls.__qualname__}"] = cls
    return found


def _messages(field):
    """What a user could see from a field: its messages and those of validators it lacks."""
    texts = [str(m) for m in field.error_messages.values()]
    for validator in field.validators:
        code, message = getattr(validator, "code", None), getattr(validator, "message", None)
        if message is not None and code not in field.error_messages:
            texts.append(str(message))
        for vcode, vmessage in (getattr(validator, "messages", None) or {}).items():
            if vcode not in field.error_messages:
                texts.append(str(vmessage))
    return texts


def test_the_walk_finds_the_forms_of_every_app():
    names = _project_form_classes()
    for expected in (
        "casework.forms.PersonForm",
        "custody.forms.FreshstartForm",
        "employers.forms.VacancyForm",
        "employers.support_forms",
        "consent.forms",
        "referrals.forms",
        "reporting.forms",
        "agencies.forms",
        "casework.record_forms",
    ):
        assert any(name.startswith(expected) for name in names), expected
    assert len(names) > 60


def _instantiate(cls, known):
    """The form as a page makes it: the keyword arguments its __init__ takes, from `known`."""
    params = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in known.items() if k in params})


@pytest.mark.django_db
def test_no_form_shows_a_framework_default_message(caseworker_a, case_a, agency_a):
    from consent.sections import SensitivePart

    known = {
        "user": caseworker_a,
        "case": case_a,
        "agency": agency_a,
        "sensitive_parts": SensitivePart.values,
    }
    offending = []
    for name, cls in sorted(_project_form_classes().items()):
        form = _instantiate(cls, known)
        assert isinstance(form, GovUKFormMixin), f"{name} should use GovUKFormMixin"
        form.full_clean()
        for field_name, field in form.fields.items():
            for text in _messages(field):
                if any(default in text for default in DJANGO_DEFAULTS):
                    offending.append(f"{name}.{field_name}: {text}")
    assert not offending, "\n".join(offending)


def test_messages_are_made_from_the_label():
    class Form(GovUKFormMixin, forms.Form):
        hours = forms.IntegerField(label="Hours a week", min_value=1, max_value=80)
        pay = forms.DecimalField(label="Pay", max_digits=5, decimal_places=2)
        sector = forms.ChoiceField(label="Sector", choices=[("a", "A")])
        name = forms.CharField(label="National Insurance number", max_length=3)
        own = forms.CharField(label="Own", error_messages={"required": "Say something"})

    form = Form({"hours": "81", "pay": "1.234", "sector": "b", "name": "abcd"})
    assert form.errors == {
        "hours": ["Hours a week must be 80 or less"],
        "pay": ["Pay must have no more than 2 decimal places"],
        "sector": ["Select sector from the list"],
        "name": ["National Insurance number must be 3 characters or fewer"],
        "own": ["Say something"],
    }
    assert Form({"hours": "x"}).errors["hours"] == ["Hours a week must be a whole number, like 12"]
    assert Form({"hours": "0"}).errors["hours"] == ["Hours a week must be 1 or more"]
    assert Form({}).errors["hours"] == ["Enter hours a week"]
    assert Form({}).errors["sector"] == ["Select sector"]


# --- times ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2pm", datetime.time(14, 0)),
        ("2 PM", datetime.time(14, 0)),
        ("2:30pm", datetime.time(14, 30)),
        ("2.30 p.m.", datetime.time(14, 30)),
        ("14:30", datetime.time(14, 30)),
        ("14.30", datetime.time(14, 30)),
        ("1430", datetime.time(14, 30)),
        ("9:05am", datetime.time(9, 5)),
        ("12pm", datetime.time(12, 0)),
        ("12am", datetime.time(0, 0)),
        ("12:15am", datetime.time(0, 15)),
        ("midday", datetime.time(12, 0)),
        ("9", datetime.time(9, 0)),
        (" 09:00 ", datetime.time(9, 0)),
    ],
)
def test_times_are_read_as_people_write_them(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize("typed", ["13pm", "0am", "25:00", "9:75", "2:3pm", "teatime", "2pmm", ""])
def test_times_that_are_not_real_are_refused(typed):
    assert parse_time(typed) is None


def test_time_field_message_and_typed_value_kept():
    class Form(GovUKFormMixin, forms.Form):
        at = TimeField(label="Interview time")

    form = Form({"at": "25pm"})
    assert form.errors["at"] == [
        "Interview time must be a real time, for example 2pm, 2:30pm or 14:30"
    ]
    assert form["at"].value() == "25pm"
    assert Form({}).errors["at"] == ["Enter interview time"]
    assert Form({"at": "2:30pm"}).is_valid()


def test_every_time_input_uses_the_shared_time_field():
    """A field named like a time is the shared TimeField (so 2pm works everywhere)."""
    for name, cls in _project_form_classes().items():
        for field_name, field in cls.base_fields.items():
            looks_like_a_time = (
                field_name == "time"
                or field_name.endswith("_time")
                or "Time" in type(field).__name__
                or isinstance(field, forms.TimeField)
            )
            if looks_like_a_time:
                assert type(field) is TimeField, f"{name}.{field_name}"


# --- conditional questions (the Design System's conditional radios) ------------------------


class _ContactForm(GovUKFormMixin, forms.Form):
    conditional_fields = {"how": {"phone": ("number",)}}
    how = forms.ChoiceField(
        choices=[("email", "Email"), ("phone", "Phone")], widget=forms.RadioSelect, label="How?"
    )
    number = forms.CharField(label="Phone number", required=False)
    at = TimeField(label="Best time", required=False)

    def clean(self):
        data = super().clean()
        if data.get("how") == "phone" and not data.get("number"):
            self.add_error("number", "Enter the phone number")
        return data


def _conditional(html, field_id):
    """(id, html) of the conditional block that holds the field with this id, else (None, "")."""
    import re

    for match in re.finditer(r'<div class="govuk-radios__conditional[^"]*" id="([^"]+)">', html):
        depth, pos, block = 1, match.end(), ""
        for tag in re.finditer(r"<div\b|</div>", html[pos:]):
            depth += 1 if tag.group(0) == "<div" else -1
            if depth == 0:
                block = html[match.start() : pos + tag.end()]
                break
        if f'id="{field_id}"' in block:
            return match.group(1), block
    return None, ""


def test_a_conditional_question_is_shown_under_its_choice_only():
    from core.templatetags.govuk import govuk_field

    form = _ContactForm()
    html = str(govuk_field(form["how"]))
    block_id, block = _conditional(html, "id_number")
    assert block_id, html
    assert "govuk-radios__conditional--hidden" in block
    assert f'value="phone" data-aria-controls="{block_id}"' in html
    assert 'value="email" data-aria-controls' not in html
    chosen = str(govuk_field(_ContactForm({"how": "phone", "number": "01582"})["how"]))
    _, block = _conditional(chosen, "id_number")
    assert "govuk-radios__conditional--hidden" not in block and 'value="01582"' in block


def test_an_error_under_a_choice_not_chosen_is_shown_after_the_radios():
    from core.templatetags.govuk import govuk_field

    form = _ContactForm({"how": "email", "number": "x"})
    form.is_valid()
    form.add_error("number", "Leave the phone number blank for email")
    html = str(govuk_field(form["how"]))
    assert _conditional(html, "id_number") == (None, "")
    assert html.index("govuk-radios__input") < html.index('id="id_number"')
    assert "Leave the phone number blank for email" in html


def test_time_inputs_are_narrow():
    from core.templatetags.govuk import govuk_field

    assert "govuk-input--width-5" in str(govuk_field(_ContactForm()["at"]))


@pytest.mark.django_db
def test_consent_page_reveals_the_witness_only_for_verbal_consent(
    client_for, caseworker_a, person_a
):
    from django.urls import reverse

    html = (
        client_for(caseworker_a)
        .get(reverse("consent:consent_create", args=[person_a.pk]))
        .content.decode()
    )
    witness_block, _ = _conditional(html, "id_witness_name")
    version_block, _ = _conditional(html, "id_form_version")
    assert witness_block and version_block and witness_block != version_block
    assert f'value="verbal_witnessed" data-aria-controls="{witness_block}"' in html
    assert f'value="signed_form" data-aria-controls="{version_block}"' in html
    assert html.count('name="witness_name"') == 1


def test_a_template_that_lists_every_field_shows_a_conditional_question_once():
    from django.template import Context, Template

    html = Template(
        "{% load govuk %}{% for field in form %}{% govuk_field field %}{% endfor %}"
    ).render(Context({"form": _ContactForm()}))
    assert html.count('name="number"') == 1
    block_id, _ = _conditional(html, "id_number")
    assert block_id


def test_radios_with_conditional_questions_are_never_inline():
    from core.templatetags.govuk import govuk_field

    assert "govuk-radios--inline" not in str(govuk_field(_ContactForm()["how"], inline=True))
