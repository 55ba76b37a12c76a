"""Forms to correct the plan: change or cancel a goal, move or cancel an appointment."""

from django import forms

from casework.forms import AppointmentForm, GoalForm
from core.forms import GovUKFormMixin


class GoalEditForm(GoalForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppointmentEditForm(AppointmentForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        label="Why is it cancelled?",
        error_messages={
            "required": "Enter why it is cancelled",
            "max_length": "The reason must be 300 characters or fewer",
        },
    )
