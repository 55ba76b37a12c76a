"""Form building blocks that follow the GOV.UK Design System patterns."""

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name


class DateInputWidget(forms.MultiWidget):
    """Day, month and year boxes (the Design System's date input)."""

    govuk_component = "date-input"

    def __init__(self, attrs=None):
        widgets = {
            "day": forms.TextInput(attrs={"inputmode": "numeric"}),
            "month": forms.TextInput(attrs={"inputmode": "numeric"}),
            "year": forms.TextInput(attrs={"inputmode": "numeric"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime.date):
            return [value.day, value.month, value.year]
        if isinstance(value, str) and value:
            try:
                parsed = datetime.date.fromisoformat(value)
            except ValueError:
                return [None, None, None]
            return [parsed.day, parsed.month, parsed.year]
        return [None, None, None]


class DateField(forms.Field):
    """A date typed as day, month and year, with the Design System's error messages."""

    widget = DateInputWidget

    def __init__(self, *, min_year=1900, max_year=2100, **kwargs):
        self.min_year, self.max_year = min_year, max_year
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, datetime.date):
            return value
        if not value or not any(str(v).strip() for v in value if v is not None):
            return None
        day, month, year = (str(v or "").strip() for v in value)
        label = (self.label or "Date").capitalize()
        missing = [
            name for name, part in (("day", day), ("month", month), ("year", year)) if not part
        ]
        if missing:
            raise ValidationError(
                f"{label} must include a {' and '.join(missing)}", code="incomplete"
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(
                f"{label} must be a real date, for example 27 3 2007", code="invalid"
            )
        try:
            result = datetime.date(int(year), int(month), int(day))
        except (ValueError, OverflowError):  # a day of 10**20 overflows the C long inside date()
            raise ValidationError(f"{label} must be a real date", code="invalid") from None
        if not self.min_year <= result.year <= self.max_year:
            raise ValidationError(
                f"{label} must be between {self.min_year} and {self.max_year}", code="range"
            )
        return result


def _sentence(label) -> str:
    text = str(label).strip().rstrip(":")
    return text[:1].upper() + text[1:]


def _lower(label) -> str:
    """The label inside a sentence: "Hours a week" -> "hours a week", "National Insurance
    number" and "CRN" stay as they are (a capital after the first word marks a proper name)."""
    text = str(label).strip().rstrip(":")
    words = text.split()
    if not words or (len(words[0]) > 1 and words[0].isupper()):
        return text
    if len(words) > 1 and words[1][:1].isupper():
        return text
    return text[:1].lower() + text[1:]


def _default_messages(field) -> dict[str, str]:
    """Django's own messages for this kind of field, and for the validators it adds."""
    defaults = {}
    for klass in reversed(type(field).__mro__):
        for code, message in getattr(klass, "default_error_messages", {}).items():
            defaults[code] = str(message)
    for validator in field.validators:
        code, message = getattr(validator, "code", None), getattr(validator, "message", None)
        if code and message is not None:
            defaults.setdefault(code, str(message))
        for code, message in (getattr(validator, "messages", None) or {}).items():
            defaults.setdefault(code, str(message))
    return defaults


def _limit(field, code):
    for validator in field.validators:
        if getattr(validator, "code", None) == code:
            return validator.limit_value
    return getattr(field, code, None)


def _number(value) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


_FORMATTED = {
    "invalid_choice",
    "invalid_pk_value",
    "min_value",
    "max_value",
    "step_size",
    "max_length",
    "min_length",
    "max_digits",
    "max_decimal_places",
    "max_whole_digits",
}


def user_message(field, code, label) -> str | None:
    """A message written for the user in place of Django's default for `code`, or None."""
    name, title = _lower(label), _sentence(label)
    choice = isinstance(field, forms.ChoiceField | forms.ModelChoiceField)
    question = str(label).rstrip().endswith("?")
    if code == "required":
        if isinstance(field, forms.BooleanField):
            return f"Select “{title}” to continue"
        if isinstance(field, forms.FileField):
            return f"Select {name}"
        if question:
            return f"Answer the question: {title}"
        return f"{'Select' if choice else 'Enter'} {name}"
    if code in {"invalid_choice", "invalid_list", "invalid_pk_value", "list"}:
        if question or isinstance(field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
            return "Select one of the options"
        return f"Select {name} from the list"  # noqa: S608  # nosec B608 - a message, not SQL
    if code == "invalid":
        if isinstance(field, forms.DecimalField | forms.FloatField):
            return f"{title} must be a number, like 12.5"
        if isinstance(field, forms.IntegerField):
            return f"{title} must be a whole number, like 12"
        if isinstance(field, forms.EmailField):
            return f"Enter {name} in the correct format, like name@example.com"
        if isinstance(field, forms.URLField):
            return f"Enter {name} in the correct format, like https://www.example.com"
        if isinstance(field, forms.FileField):
            return "The selected file could not be read: upload it again"
        return f"Enter {name} in the correct format"
    if code in {"min_value", "max_value", "step_size"}:
        limit = _number(_limit(field, code))
        return {
            "min_value": f"{title} must be {limit} or more",
            "max_value": f"{title} must be {limit} or less",
            "step_size": f"{title} must be a multiple of {limit}",
        }[code]
    if code in {"max_length", "min_length"}:
        if isinstance(field, forms.FileField):
            return "The file name is too long: shorten it and upload the file again"
        limit = _number(_limit(field, code))
        more = "fewer" if code == "max_length" else "more"
        return f"{title} must be {limit} characters or {more}"
    if code == "max_digits":
        return f"{title} must be {_number(field.max_digits)} digits or fewer"
    if code == "max_decimal_places":
        places = field.decimal_places
        return f"{title} must have no more than {places} decimal place{'s' if places != 1 else ''}"
    if code == "max_whole_digits":
        whole = field.max_digits - field.decimal_places
        return f"{title} must have no more than {whole} digits before the decimal point"
    if code == "null_characters_not_allowed":
        return f"{title} must only include characters you can type"
    if code == "missing":
        return "Select a file"
    if code == "empty":
        return "The selected file is empty"
    if code == "contradiction":
        return "Either choose a new file or remove the old one, not both"
    if code == "invalid_image":
        return "The selected file must be a picture, like a JPG or PNG"
    if code == "incomplete":
        return f"{title} must be complete"
    return None


class GovUKFormMixin:
    """Marks the form for the govuk_field tag and keeps the summary order stable.

    Every field gets messages written for the user in place of Django's English defaults
    ("This field is required.", "Ensure this value is less than or equal to 80."): they are
    made from the field's label, so a form only states a message when it wants a better one.
    """

    # Conditional questions (the Design System's conditional radios): for a radio field, the
    # fields shown under a choice only when it is chosen, e.g. {"method": {"verbal": ["witness"]}}.
    # The govuk_field tag renders them inside the radios, so templates leave them out.
    conditional_fields: dict[str, dict[str, tuple[str, ...]]] = {}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_user_messages()

    def full_clean(self):
        self.apply_user_messages()  # fields added or relabelled after __init__
        return super().full_clean()

    def apply_user_messages(self):
        for name, field in self.fields.items():
            label = field.label or pretty_name(name)
            for code, default in _default_messages(field).items():
                current = field.error_messages.get(code)
                if current is not None and str(current) != default:
                    continue  # the form's own message
                message = user_message(field, code, label)
                if message is not None:
                    if code in _FORMATTED:  # Django fills in %(limit_value)s for these
                        message = message.replace("%", "%%")
                    field.error_messages[code] = message

    def error_list(self):
        """(field id, message) pairs in form order, for the error summary."""
        errors = []
        for message in self.non_field_errors():
            errors.append(("", message))
        for field in self:
            for message in field.errors:
                errors.append((govuk_field_id(field), message))
        return errors


def govuk_field_id(bound_field) -> str:
    if isinstance(bound_field.field.widget, DateInputWidget):
        return f"{bound_field.auto_id}-day"
    if isinstance(bound_field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{bound_field.auto_id}"
    return bound_field.auto_id


# --- Times ----------------------------------------------------------------------------------

_TIME = re.compile(r"(?P<hour>\d{1,2})(?:[:.]?(?P<minute>\d{2}))?\s*(?P<half>am|pm|a\.m\.|p\.m\.)?")
_WORDS = {
    "midday": datetime.time(12, 0),
    "noon": datetime.time(12, 0),
    "12 noon": datetime.time(12, 0),
    "midnight": datetime.time(0, 0),
}


def parse_time(value) -> datetime.time | None:
    """A time typed the way people write it: 2pm, 2:30pm, 2.30 pm, 14:30, 1430 or midday.

    None if it is not a real time (13pm, 25:00, 9:75). A bare hour such as 9 is taken on the
    24-hour clock.
    """
    if isinstance(value, datetime.time):
        return value
    text = " ".join(str(value or "").lower().split())
    if text in _WORDS:
        return _WORDS[text]
    match = _TIME.fullmatch(text)
    if not match:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    half = (match["half"] or "").replace(".", "")
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        return None
    return datetime.time(hour, minute)


class TimeField(forms.CharField):
    """A time of day typed in one box: accepts 2pm, 2:30pm and 14:30 (see parse_time)."""

    def __init__(self, *, max_length=10, **kwargs):
        kwargs.setdefault("help_text", "For example, 2pm, 2:30pm or 14:30")
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})
        )
        super().__init__(max_length=max_length, **kwargs)

    def prepare_value(self, value):
        if isinstance(value, datetime.time):
            return value.strftime("%H:%M")
        return value

    def to_python(self, value):
        if isinstance(value, datetime.time):
            return value
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        parsed = parse_time(text)
        if parsed is None:
            label = _sentence(self.label or "Time")
            raise ValidationError(
                f"{label} must be a real time, for example 2pm, 2:30pm or 14:30", code="invalid"
            )
        return parsed

    def run_validators(self, value):
        # The validators (max_length) are for the typed text, not the parsed time.
        return None
