"""Form building blocks that follow the GOV.UK Design System patterns."""

import datetime

from django import forms
from django.core.exceptions import ValidationError


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


class GovUKFormMixin:
    """Marks the form for the govuk_field tag and keeps the summary order stable."""

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
