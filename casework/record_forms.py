"""Forms for the offender manager, risk and licence, qualifications and courses (casework.records)."""

from django import forms

from casework.models import (
    AccommodationOutcomeStatus,
    AccommodationPoint,
    CourseOutcome,
    Goal,
    MappaCategory,
    MappaLevel,
    QualificationLevel,
    QualificationStatus,
    RoshLevel,
)
from core.forms import DateField, GovUKFormMixin, TimeField


class OffenderManagerForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    offender_manager_name = forms.CharField(
        max_length=100,
        required=False,
        label="Offender manager's name",
        help_text="Leave empty if no offender manager is allocated",
    )
    offender_manager_agency = forms.CharField(
        max_length=150,
        required=False,
        label="Their agency",
        help_text="For example, Bedfordshire Probation, Luton office",
    )
    offender_manager_contact = forms.CharField(
        max_length=200, required=False, label="Phone number or email address"
    )


class RiskLicenceForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    rosh_level = forms.ChoiceField(
        choices=RoshLevel.choices,
        widget=forms.RadioSelect,
        label="Risk of serious harm",
        error_messages={"required": "Select the risk of serious harm level"},
    )
    mappa_category = forms.ChoiceField(
        choices=MappaCategory.choices, required=False, label="MAPPA category"
    )
    mappa_level = forms.ChoiceField(
        choices=MappaLevel.choices,
        required=False,
        label="MAPPA level",
        help_text="A level needs a category",
    )
    licence_ends_on = DateField(required=False, label="Licence ends on")
    exclusion_zones = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Exclusion zones",
        help_text="Towns or areas the person must not enter, separated by commas",
    )
    curfew_from = TimeField(required=False, label="Curfew from")
    curfew_until = TimeField(required=False, label="Curfew until")
    no_work_with_children = forms.BooleanField(required=False, label="No work with children")
    no_work_with_vulnerable_adults = forms.BooleanField(
        required=False, label="No work with vulnerable adults"
    )
    disclosure_required = forms.BooleanField(
        required=False, label="Must disclose convictions to an employer"
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self):
        data = super().clean()
        if data.get("mappa_level") and not data.get("mappa_category"):
            self.add_error(
                "mappa_category", "Select a MAPPA category before a MAPPA level (a level needs one)"
            )
        if bool(data.get("curfew_from")) != bool(data.get("curfew_until")):
            missing = "curfew_until" if data.get("curfew_from") else "curfew_from"
            if missing not in self.errors:
                self.add_error(missing, "Enter both curfew times, or neither")
        return data


def _goal_field():
    return forms.ModelChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        label="Action plan goal it works towards",
        empty_label="No particular goal",
    )


class QualificationForm(GovUKFormMixin, forms.Form):
    status = forms.ChoiceField(
        choices=QualificationStatus.choices,
        widget=forms.RadioSelect,
        label="Held or gained",
        error_messages={"required": "Select whether it was held or gained"},
    )
    subject = forms.CharField(
        max_length=200,
        label="Subject or qualification",
        help_text="For example, Food safety in catering",
        error_messages={"required": "Enter the subject or name of the qualification"},
    )
    level = forms.ChoiceField(
        choices=QualificationLevel.choices,
        label="Level",
        error_messages={"required": "Select the level of the qualification"},
    )
    awarding_body = forms.CharField(
        max_length=150,
        required=False,
        label="Awarding body",
        help_text="For example, City & Guilds",
    )
    achieved_on = DateField(
        required=False, label="Date achieved", help_text="Needed for a qualification gained"
    )
    accredited = forms.BooleanField(required=False, label="Accredited qualification")
    goal = _goal_field()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["goal"].queryset = Goal.objects.filter(case=case)


class QualificationEditForm(QualificationForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CourseForm(GovUKFormMixin, forms.Form):
    title = forms.CharField(
        max_length=200, label="Course", error_messages={"required": "Enter the name of the course"}
    )
    provider = forms.CharField(
        max_length=150,
        required=False,
        label="Run by",
        help_text="For example, OLASS at HMP Bedford",
    )
    accredited = forms.BooleanField(required=False, label="Leads to an accredited qualification")
    started_on = DateField(
        label="Started on", error_messages={"required": "Enter the date the course started"}
    )
    outcome = forms.ChoiceField(
        choices=CourseOutcome.choices, widget=forms.RadioSelect, label="How it is going"
    )
    ended_on = DateField(
        required=False, label="Ended on", help_text="When it was completed or the person left it"
    )
    goal = _goal_field()

    def __init__(self, *args, case=None, **kwargs):
        super().__init__(*args, **kwargs)
        if case is not None:
            self.fields["goal"].queryset = Goal.objects.filter(case=case)


class CourseEditForm(CourseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AccommodationOutcomeForm(GovUKFormMixin, forms.Form):
    point = forms.ChoiceField(
        choices=AccommodationPoint.choices,
        widget=forms.RadioSelect,
        label="When",
        error_messages={"required": "Select when the outcome is for"},
    )
    status = forms.ChoiceField(
        choices=AccommodationOutcomeStatus.choices,
        widget=forms.RadioSelect,
        label="Where the person is living",
        error_messages={"required": "Select where the person is living"},
    )
    note = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AccommodationOutcomeEditForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = AccommodationOutcomeForm.base_fields["status"]
    note = AccommodationOutcomeForm.base_fields["note"]
