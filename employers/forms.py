from django import forms

from casework.validators import validate_postcode
from core.forms import DateField, GovUKFormMixin, TimeField
from employers.models import (
    ApplicationStatus,
    CheckEvidence,
    CheckOutcome,
    ContactMethod,
    ContractType,
    ConvictionsSpent,
    DisclosureLevel,
    Employer,
    EngagementLevel,
    FeedbackKind,
    Sector,
    SizeBand,
    SpellEndReason,
    SpellKind,
    VerifiedHow,
    application_next_statuses,
)


class EmployerForm(GovUKFormMixin, forms.Form):
    name = forms.CharField(max_length=200, error_messages={"required": "Enter the employer's name"})
    sector = forms.ChoiceField(
        choices=Sector.choices, error_messages={"required": "Select a sector"}
    )
    size_band = forms.ChoiceField(
        choices=[("", "Not known"), *SizeBand.choices], required=False, label="Size"
    )
    town = forms.CharField(max_length=100, error_messages={"required": "Enter the town"})
    postcode = forms.CharField(
        max_length=10,
        required=False,
        validators=[validate_postcode],
        help_text="For example, LU1 2AB",
    )
    engagement_level = forms.ChoiceField(
        choices=EngagementLevel.choices,
        widget=forms.RadioSelect,
        initial=EngagementLevel.AWARE,
        label="Engagement",
        error_messages={"required": "Select how engaged the employer is"},
    )
    alliance_level = forms.TypedChoiceField(
        choices=[("", "Not a member"), ("1", "Level 1"), ("2", "Level 2"), ("3", "Level 3")],
        coerce=int,
        empty_value=None,
        required=False,
        label="Corporate Alliance level",
    )
    lep_member = forms.BooleanField(required=False, label="Local Employment Partnership member")
    guaranteed_interviews = forms.BooleanField(required=False, label="Offers guaranteed interviews")
    fidelity_bonds = forms.BooleanField(required=False, label="Uses fidelity bonds")
    contact_name = forms.CharField(max_length=200, required=False, label="Named contact")
    contact_email = forms.EmailField(required=False, label="Contact email")
    contact_phone = forms.CharField(max_length=30, required=False, label="Contact phone")


class EmployerEditForm(EmployerForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ContactForm(GovUKFormMixin, forms.Form):
    contacted_on = DateField(
        label="Date of contact", error_messages={"required": "Enter the date of contact"}
    )
    method = forms.ChoiceField(
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        label="How?",
        error_messages={"required": "Select how you contacted the employer"},
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class VacancyForm(GovUKFormMixin, forms.Form):
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.order_by("name"),
        error_messages={
            "required": "Select the employer",
            "invalid_choice": "Select an employer from the list",
        },
    )
    title = forms.CharField(
        max_length=200, label="Job title", error_messages={"required": "Enter the job title"}
    )
    sector = forms.ChoiceField(choices=Sector.choices)
    town = forms.CharField(max_length=100, error_messages={"required": "Enter the town"})
    postcode = forms.CharField(max_length=10, required=False, validators=[validate_postcode])
    hours_per_week = forms.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=1,
        max_value=80,
        required=False,
        label="Hours a week",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    pay = forms.CharField(max_length=100, required=False, help_text="For example, £12.21 an hour")
    contract_type = forms.ChoiceField(choices=ContractType.choices)
    closing_date = DateField(label="Closing date", required=False)
    disclosure_level = forms.ChoiceField(
        choices=DisclosureLevel.choices,
        widget=forms.RadioSelect,
        initial=DisclosureLevel.NONE,
        label="Criminal record check needed",
    )
    exclusions = forms.CharField(
        max_length=1000,
        required=False,
        label="Offence types the employer cannot accept",
        help_text="Separate with commas, for example arson, sexual offences",
    )


class PreferencesForm(GovUKFormMixin, forms.Form):
    sector_interests = forms.MultipleChoiceField(
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Sectors of interest",
    )
    min_hours = forms.IntegerField(
        min_value=1, max_value=80, required=False, label="Fewest hours a week wanted"
    )
    max_hours = forms.IntegerField(
        min_value=1, max_value=80, required=False, label="Most hours a week wanted"
    )
    convictions_spent = forms.ChoiceField(
        choices=ConvictionsSpent.choices,
        widget=forms.RadioSelect,
        label="Are the person's convictions spent?",
        error_messages={"required": "Select whether the person's convictions are spent"},
    )
    disclosure_advice_given_on = DateField(label="Disclosure advice given on", required=False)


class OffenceTypesForm(GovUKFormMixin, forms.Form):
    offence_types = forms.CharField(
        max_length=1000,
        required=False,
        label="Offence types (for vacancy exclusions)",
        help_text="Sensitive. Separate with commas",
    )


class DisclosureChoiceForm(GovUKFormMixin, forms.Form):
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.order_by("name"),
        error_messages={
            "required": "Select the employer",
            "invalid_choice": "Select an employer from the list",
        },
    )
    disclosed = forms.TypedChoiceField(
        choices=[
            ("yes", "Yes, they choose to disclose to this employer"),
            ("no", "No, they choose not to disclose"),
        ],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
        label="The person's choice",
        error_messages={"required": "Select the person's choice"},
    )
    on = DateField(
        label="Date of the choice", error_messages={"required": "Enter the date of the choice"}
    )
    made_by_person = forms.BooleanField(
        required=False, label="The person made this choice themselves"
    )


INTERVIEW_REVEAL = {
    "status": {ApplicationStatus.INTERVIEW_ARRANGED: ("interview_on", "interview_time")}
}


class ApplicationForm(GovUKFormMixin, forms.Form):
    conditional_fields = INTERVIEW_REVEAL
    status = forms.ChoiceField(
        choices=[
            (s, ApplicationStatus(s).label)
            for s in (
                ApplicationStatus.INTERESTED,
                ApplicationStatus.APPLIED,
                ApplicationStatus.INTERVIEW_ARRANGED,
            )
        ],
        widget=forms.RadioSelect,
        initial=ApplicationStatus.INTERESTED,
        label="Where is it up to?",
        error_messages={"required": "Select where the application is up to"},
    )
    interview_on = DateField(label="Interview date", required=False)
    interview_time = TimeField(label="Interview time", required=False)


class ApplicationUpdateForm(GovUKFormMixin, forms.Form):
    conditional_fields = INTERVIEW_REVEAL
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(
        choices=ApplicationStatus.choices,
        widget=forms.RadioSelect,
        label="Where is it up to now?",
        error_messages={
            "required": "Select where the application is up to",
            "invalid_choice": "Select one of the next steps shown",
        },
    )
    interview_on = DateField(label="Interview date", required=False)
    interview_time = TimeField(label="Interview time", required=False)
    outcome = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args, current_status=None, **kwargs):
        """`current_status`: the application's status now; the list offers it (no change) and
        only the steps allowed from it (employers.models.APPLICATION_TRANSITIONS)."""
        super().__init__(*args, **kwargs)
        if current_status is not None:
            current = ApplicationStatus(current_status)
            choices = [(current.value, f"{current.label} (no change)")]
            choices += [(s.value, s.label) for s in application_next_statuses(current)]
            self.fields["status"].choices = choices
            self.fields["status"].initial = current.value


class SpellForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=SpellKind.choices,
        widget=forms.RadioSelect,
        initial=SpellKind.JOB,
        label="What kind of work?",
        error_messages={"required": "Select what kind of work it is"},
    )
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.order_by("name"),
        required=False,
        help_text="Leave blank for self-employment",
    )
    job_title = forms.CharField(max_length=200, error_messages={"required": "Enter the job title"})
    start_date = DateField(label="Start date", error_messages={"required": "Enter the start date"})
    hours_per_week = forms.DecimalField(
        max_digits=4,
        decimal_places=1,
        min_value=1,
        max_value=80,
        required=False,
        label="Hours a week",
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    contract_type = forms.ChoiceField(choices=ContractType.choices)
    pay = forms.CharField(max_length=100, required=False, help_text="For example, £12.21 an hour")
    verified_how = forms.ChoiceField(
        choices=[("", "Not verified yet"), *VerifiedHow.choices],
        required=False,
        label="How was the start verified?",
    )


class SpellEditForm(SpellForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = DateField(
        label="End date", required=False, help_text="Leave blank if still in this job"
    )
    end_reason = forms.ChoiceField(
        choices=[("", "Select a reason"), *SpellEndReason.choices],
        required=False,
        label="Why did it end?",
    )


class CheckRecordForm(GovUKFormMixin, forms.Form):
    conditional_fields = {"outcome": {CheckOutcome.LEFT_NO_JOB: ("left_on",)}}
    outcome = forms.ChoiceField(
        choices=CheckOutcome.choices,
        widget=forms.RadioSelect,
        label="Is the person still in work?",
        error_messages={"required": "Select the outcome of the check"},
    )
    evidence = forms.ChoiceField(
        choices=[("", "Nobody"), *CheckEvidence.choices], required=False, label="Who confirmed it?"
    )
    checked_on = DateField(
        label="Date of the check", error_messages={"required": "Enter the date of the check"}
    )
    left_on = DateField(
        label="Date they left", required=False, help_text="The day they stopped working"
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class FeedbackForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=FeedbackKind.choices,
        widget=forms.RadioSelect,
        label="Whose feedback is this?",
        error_messages={"required": "Select whose feedback this is"},
    )
    employer = forms.ModelChoiceField(
        queryset=Employer.objects.order_by("name"),
        required=False,
        help_text="For feedback from an employer",
    )
    rating = forms.TypedChoiceField(
        choices=[
            (str(i), label)
            for i, label in (
                (5, "5 - very good"),
                (4, "4 - good"),
                (3, "3 - adequate"),
                (2, "2 - poor"),
                (1, "1 - very poor"),
            )
        ],
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a rating"},
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )
    given_on = DateField(
        label="Date given", error_messages={"required": "Enter the date the feedback was given"}
    )


class EmployerFilterForm(GovUKFormMixin, forms.Form):
    q = forms.CharField(required=False, max_length=100, label="Search by name")
    sector = forms.ChoiceField(choices=[("", "Any sector"), *Sector.choices], required=False)
    town = forms.CharField(required=False, max_length=100)
