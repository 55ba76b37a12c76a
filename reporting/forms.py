from django import forms

from consent import policy
from core.forms import DateField, GovUKFormMixin
from reporting.models import InWork, ReoffenceKind, ReoffenceSource
from reporting.periods import add_months, month_start, parse_month

MONTHS_OFFERED = 36


def month_choices(today=None):
    first = month_start(today or policy.today())
    months = [add_months(first, -i) for i in range(MONTHS_OFFERED)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}" + (" (so far)" if m == first else "")) for m in months]


class ReportRequestForm(GovUKFormMixin, forms.Form):
    """A period of whole months: the first and the last month (the same month for a monthly report).

    The choices offer the last 36 months; the service checks the period itself (end before start,
    future, longer than 36 months) and its message is shown on the field.
    """

    from_month = forms.ChoiceField(
        label="From",
        error_messages={
            "required": "Select the first month of the period",
            "invalid_choice": "Select a month from the list",
        },
    )
    to_month = forms.ChoiceField(
        label="To",
        error_messages={
            "required": "Select the last month of the period",
            "invalid_choice": "Select a month from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = month_choices()
        for name in ("from_month", "to_month"):
            self.fields[name].choices = choices
            self.fields[name].initial = choices[1][0]

    def clean_from_month(self):
        return parse_month(self.cleaned_data["from_month"])

    def clean_to_month(self):
        return parse_month(self.cleaned_data["to_month"])


class ReoffendingCheckForm(GovUKFormMixin, forms.Form):
    reoffended = forms.TypedChoiceField(
        label="Did the person re-offend in this window?",
        widget=forms.RadioSelect,
        choices=[("no", "No, not re-offended"), ("yes", "Yes, re-offended")],
        coerce=lambda v: v == "yes",
        error_messages={"required": "Select whether the person re-offended"},
    )


class EmploymentCheckForm(GovUKFormMixin, forms.Form):
    in_work = forms.ChoiceField(
        label="Is the person in work?",
        widget=forms.RadioSelect,
        choices=InWork.choices,
        error_messages={"required": "Select whether the person is in work"},
    )


class TargetForm(GovUKFormMixin, forms.Form):
    agency = forms.TypedChoiceField(
        label="Agency", coerce=int, error_messages={"required": "Select an agency"}
    )
    financial_year = forms.IntegerField(
        label="Financial year starting in April of",
        error_messages={
            "required": "Enter the year",
            "invalid": "Enter the year as a number, such as 2026",
        },
    )
    annual_target = forms.IntegerField(
        label="Enduring jobs target for the year",
        error_messages={
            "required": "Enter the target",
            "invalid": "Enter the target as a whole number",
        },
    )

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(a.pk, a.name) for a in agencies]


class ReoffenceForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="What happened?",
        widget=forms.RadioSelect,
        choices=ReoffenceKind.choices,
        error_messages={"required": "Select a proven re-offence or a recall"},
    )
    offence_date = DateField(
        label="Offence date (for a recall, the recall date)",
        help_text="For example, 27 3 2026",
        error_messages={"required": "Enter the date"},
    )
    disposal_date = DateField(
        label="Disposal date (a proven re-offence only)",
        help_text="When the court dealt with it",
        required=False,
    )
    source = forms.ChoiceField(
        label="Where does the record come from?",
        choices=[("", "Select a source"), *ReoffenceSource.choices],
        error_messages={
            "required": "Select where the record comes from",
            "invalid_choice": "Select where the record comes from",
        },
    )
