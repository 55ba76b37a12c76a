"""Forms for the support-given log (employers.support)."""

from django import forms

from core.forms import DateField, GovUKFormMixin
from employers.models import Employer, EmploymentSpell, SupportKind


class SupportForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=SupportKind.choices,
        widget=forms.RadioSelect,
        label="Support given",
        error_messages={"required": "Select the kind of support"},
    )
    given_on = DateField(
        label="Date given", error_messages={"required": "Enter the date the support was given"}
    )
    spell = forms.ModelChoiceField(
        queryset=EmploymentSpell.objects.none(),
        required=False,
        label="Job",
        empty_label="Not about a particular job",
        help_text="Needed for an in-work support contact",
    )
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.order_by("name"),
        required=False,
        label="Employer",
        help_text="Needed for support to an employer (taken from the job if one is chosen)",
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}), label="Note"
    )

    def __init__(self, *args, spells=None, **kwargs):
        super().__init__(*args, **kwargs)
        if spells is not None:
            self.fields["spell"].queryset = spells


class SupportEditForm(SupportForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
