from django import forms

from consent import policy
from core.forms import GovUKFormMixin
from reporting.models import InWork
from reporting.periods import add_months, month_start, parse_month

MONTHS_OFFERED = 36


def month_choices(today=None):
    first = month_start(today or policy.today())
    months = [add_months(first, -i) for i in range(MONTHS_OFFERED)]
    return [(f"{m:%Y-%m}", f"{m:%B %Y}" + (" (so far)" if m == first else "")) for m in months]


class ReportRequestForm(GovUKFormMixin, forms.Form):
    month = forms.ChoiceField(
        label="Month",
        error_messages={
            "required": "Select a month",
            "invalid_choice": "Select a month from the list",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["month"].choices = month_choices()
        self.fields["month"].initial = self.fields["month"].choices[1][0]

    def clean_month(self):
        return parse_month(self.cleaned_data["month"])


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
