import datetime

from django import forms
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Site, SiteKind, User
from casework.models import (
    SELF_REPORTED_NEED_CHOICES,
    AccommodationStatus,
    ActionStatus,
    AppointmentKind,
    BenefitStatus,
    EmploymentStatus,
    EndReason,
    Goal,
    LadderStep,
    NeedArea,
    NoteType,
    OffenderGroup,
    Person,
    Rag,
    ReleaseType,
    SentenceType,
    Sex,
    Stage,
    SupportLevel,
    WorkReadiness,
    YesNoUnknown,
)
from casework.validators import validate_crn, validate_ni_number, validate_prison_number
from consent.sections import SensitivePart
from core.forms import DateField, GovUKFormMixin, TimeField


class PersonForm(GovUKFormMixin, forms.Form):
    first_name = forms.CharField(
        max_length=100,
        error_messages={"required": "Enter a first name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    last_name = forms.CharField(
        max_length=100,
        error_messages={"required": "Enter a last name"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    aliases = forms.CharField(
        max_length=300, required=False, help_text="Other names used, separated by commas"
    )
    date_of_birth = DateField(
        label="Date of birth",
        help_text="For example, 27 3 1990",
        error_messages={"required": "Enter a date of birth"},
    )
    sex = forms.ChoiceField(
        choices=Sex.choices, widget=forms.RadioSelect, error_messages={"required": "Select sex"}
    )
    national_insurance_number = forms.CharField(
        label="National Insurance number",
        max_length=13,
        required=False,
        validators=[validate_ni_number],
        help_text="Optional. For example, QQ 12 34 56 C",
    )
    prison_number = forms.CharField(
        max_length=10,
        required=False,
        validators=[validate_prison_number],
        help_text="Optional. For example, A1234BC",
    )
    crn = forms.CharField(
        label="Case reference number (CRN)",
        max_length=10,
        required=False,
        validators=[validate_crn],
        help_text="Optional. For example, X123456",
    )
    home_area = forms.CharField(max_length=100, required=False)
    release_area = forms.CharField(
        max_length=100, required=False, help_text="Decides the Jobcentre for Freshstart"
    )
    accommodation_status = forms.ChoiceField(
        choices=AccommodationStatus.choices, initial=AccommodationStatus.UNKNOWN
    )
    employment_status = forms.ChoiceField(
        choices=EmploymentStatus.choices, initial=EmploymentStatus.UNKNOWN
    )
    benefit_status = forms.ChoiceField(choices=BenefitStatus.choices, initial=BenefitStatus.UNKNOWN)
    bank_account_held = forms.BooleanField(required=False, label="Has a bank account")
    id_documents_held = forms.BooleanField(required=False, label="Has ID documents")
    identity_verified_on = DateField(
        label="Identity verified on",
        required=False,
        help_text="Leave blank if identity has not been checked",
    )


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PersonCreateForm(PersonForm):
    """Adding a person: the "someone else" answer appears once a possible duplicate is shown."""

    confirm_not_duplicate = forms.BooleanField(
        required=False, label="This is a different person: save the new record"
    )


class CaseForm(GovUKFormMixin, forms.Form):
    offender_group = forms.ChoiceField(
        choices=OffenderGroup.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the offender group"},
    )
    support_level = forms.ChoiceField(
        choices=SupportLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the support level"},
    )
    stage = forms.ChoiceField(
        choices=Stage.choices, error_messages={"required": "Select the journey stage"}
    )
    site = forms.ModelChoiceField(
        queryset=Site.objects.none(), required=False, label="Office or establishment"
    )
    start_date = DateField(label="Start date", error_messages={"required": "Enter the start date"})
    planned_end_date = DateField(
        label="Planned end date", error_messages={"required": "Enter the planned end date"}
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = (
            Site.objects.filter(agency=agency) if agency else Site.objects.none()
        )

    def clean(self):
        data = super().clean()
        start, planned = data.get("start_date"), data.get("planned_end_date")
        if start and planned and planned <= start:
            self.add_error("planned_end_date", "Planned end date must be after the start date")
        return data


class CaseEditForm(CaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseCloseForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    end_date = DateField(
        label="End date", error_messages={"required": "Enter the date the case ended"}
    )
    end_reason = forms.ChoiceField(
        choices=EndReason.choices,
        widget=forms.RadioSelect,
        label="Why did the case end?",
        error_messages={"required": "Select why the case ended"},
    )


class CaseloadFilterForm(GovUKFormMixin, forms.Form):
    q = forms.CharField(
        required=False, label="Search by name, CRN, prison number or NI number", max_length=100
    )
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Stage.choices], required=False)
    support_level = forms.ChoiceField(
        choices=[("", "Any level"), *SupportLevel.choices], required=False, label="Support level"
    )
    mine = forms.ChoiceField(
        choices=[("", "Team"), ("1", "Mine only")], required=False, label="Whose cases"
    )


PERSON_MODEL_FIELDS = list(PersonForm.base_fields)
assert set(PERSON_MODEL_FIELDS) <= {f.name for f in Person._meta.get_fields()}


# --- The casework journey ---------------------------------------------------------------------


class AssessmentForm(GovUKFormMixin, forms.Form):
    assessed_on = DateField(
        label="Date of the assessment",
        error_messages={"required": "Enter the date of the assessment"},
    )
    confident_writing_name = forms.ChoiceField(
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=YesNoUnknown.UNKNOWN,
        label="Confident writing their name?",
    )
    confident_writing_address = forms.ChoiceField(
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=YesNoUnknown.UNKNOWN,
        label="Confident writing their address?",
    )
    confident_writing_phone = forms.ChoiceField(
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=YesNoUnknown.UNKNOWN,
        label="Confident writing their phone number?",
    )
    work_readiness = forms.ChoiceField(
        choices=WorkReadiness.choices,
        widget=forms.RadioSelect,
        label="Work readiness",
        error_messages={"required": "Select how ready for work the person is"},
    )
    self_reported_needs = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Needs the person reports themselves",
        help_text="In their own words, apart from your professional view",
    )
    self_reported_need_codes = forms.MultipleChoiceField(
        choices=SELF_REPORTED_NEED_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Help the person says they need",
        help_text='Select all that apply, or "None" on its own',
    )
    convictions_spent = forms.ChoiceField(
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=YesNoUnknown.UNKNOWN,
        label="Are all convictions spent?",
    )
    disclosure_advice_given = forms.BooleanField(required=False, label="Disclosure advice given")
    disclosure_notes = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Disclosure notes",
        help_text="Professionals never disclose on the person's behalf",
    )

    def __init__(self, *args, areas=None, **kwargs):
        """`areas`: the need areas the agency may rate (sensitive ones only with their part)."""
        super().__init__(*args, **kwargs)
        self.areas = [a for a in NeedArea.values if areas is None or a in areas]
        self.fields["self_reported_need_codes"].choices = [
            (code, label)
            for code, label in SELF_REPORTED_NEED_CHOICES
            if code not in NeedArea.values or code in self.areas
        ]
        for area, label in NeedArea.choices:
            if area not in self.areas:
                continue
            self.fields[f"rating_{area}"] = forms.ChoiceField(
                choices=Rag.choices, widget=forms.RadioSelect, required=False, label=label
            )
            self.fields[f"note_{area}"] = forms.CharField(
                required=False, max_length=500, label=f"Notes on {label.lower()}"
            )

    def area_fields(self):
        return [(self[f"rating_{area}"], self[f"note_{area}"]) for area in self.areas]

    def clean(self):
        data = super().clean()
        if not any(data.get(f"rating_{area}") for area in self.areas):
            self.add_error(
                f"rating_{self.areas[0]}", "Rate at least one need area red, amber or green"
            )
        codes = data.get("self_reported_need_codes") or []
        if "none" in codes and len(codes) > 1:
            self.add_error(
                "self_reported_need_codes",
                'Select "None" on its own, or the needs the person reports',
            )
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kwargs = {
            name: data[name]
            for name in (
                "assessed_on",
                "work_readiness",
                "confident_writing_name",
                "confident_writing_address",
                "confident_writing_phone",
                "self_reported_needs",
                "self_reported_need_codes",
                "convictions_spent",
                "disclosure_advice_given",
                "disclosure_notes",
            )
        }
        for name in (
            "confident_writing_name",
            "confident_writing_address",
            "confident_writing_phone",
            "convictions_spent",
        ):
            kwargs[name] = kwargs[name] or YesNoUnknown.UNKNOWN
        kwargs["ratings"] = {
            a: data[f"rating_{a}"] for a in NeedArea.values if data.get(f"rating_{a}")
        }
        kwargs["area_notes"] = {
            a: data[f"note_{a}"] for a in NeedArea.values if data.get(f"note_{a}")
        }
        return kwargs


class GoalForm(GovUKFormMixin, forms.Form):
    description = forms.CharField(
        max_length=300,
        label="Goal",
        error_messages={"required": "Describe the goal"},
        help_text="For example, into paid work within 6 months of release",
    )


class ActionForm(GovUKFormMixin, forms.Form):
    description = forms.CharField(
        max_length=300, label="Action", error_messages={"required": "Describe the action"}
    )
    goal = forms.ModelChoiceField(
        queryset=Goal.objects.none(),
        required=False,
        label="Goal it works towards",
        empty_label="No particular goal",
    )
    owner_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(), label="Agency responsible", empty_label=None
    )
    owner = forms.ModelChoiceField(
        queryset=User.objects.none(),
        required=False,
        label="Person responsible",
        empty_label="Anyone at the agency",
    )
    sequence = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=999,
        label="Order in the plan",
        help_text="Leave blank to add it at the end",
    )
    due_date = DateField(label="Due date", error_messages={"required": "Enter the due date"})
    status = forms.ChoiceField(choices=ActionStatus.choices, initial=ActionStatus.NOT_STARTED)

    def __init__(self, *args, case=None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        from casework.selectors import action_owner_choices

        agencies, users = action_owner_choices(user=user, case=case)
        self.fields["owner_agency"].queryset = agencies
        self.fields["owner"].queryset = users
        self.fields["goal"].queryset = Goal.objects.filter(case=case, cancelled_at__isnull=True)


class ActionEditForm(ActionForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class AppointmentForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=AppointmentKind.choices,
        widget=forms.RadioSelect,
        label="Kind of appointment",
        error_messages={"required": "Select the kind of appointment"},
    )
    date = DateField(label="Date", error_messages={"required": "Enter the date of the appointment"})
    time = TimeField(label="Time", error_messages={"required": "Enter the time of the appointment"})
    where = forms.CharField(max_length=200, required=False, label="Where")

    def at(self):
        return timezone.make_aware(
            datetime.datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        )


class AttendanceForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    attended = forms.ChoiceField(
        choices=YesNoUnknown.choices,
        widget=forms.RadioSelect,
        label="Did they attend?",
        error_messages={"required": "Select whether they attended"},
    )


class NoteForm(GovUKFormMixin, forms.Form):
    note_type = forms.ChoiceField(
        choices=NoteType.choices,
        widget=forms.RadioSelect,
        label="Type of contact",
        error_messages={"required": "Select the type of contact"},
    )
    contact_on = DateField(
        label="Date of the contact", error_messages={"required": "Enter the date of the contact"}
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        label="Note",
        error_messages={"required": "Enter the note"},
    )
    sensitive_part = forms.ChoiceField(
        required=False,
        widget=forms.RadioSelect,
        label="Is this note sensitive?",
        help_text="A sensitive note is seen only by agencies the person agreed may see that kind "
        "of information",
    )

    def __init__(self, *args, sensitive_parts=(), **kwargs):
        """`sensitive_parts`: the sensitive parts the agency sees (and so may record)."""
        super().__init__(*args, **kwargs)
        if not sensitive_parts:
            del self.fields["sensitive_part"]
        else:
            self.fields["sensitive_part"].choices = [("", "No, it is not sensitive")] + [
                (value, f"Yes: {label.lower()}")
                for value, label in SensitivePart.choices
                if value in sensitive_parts
            ]


class SentenceForm(GovUKFormMixin, forms.Form):
    sentence_type = forms.ChoiceField(choices=SentenceType.choices, label="Type of sentence")
    length_months = forms.IntegerField(
        required=False, min_value=1, max_value=1200, label="Length in months"
    )
    sentence_date = DateField(label="Sentence date", required=False)
    reception_date = DateField(
        label="Reception date", required=False, help_text="The day the person arrived in custody"
    )
    establishment = forms.ModelChoiceField(
        queryset=Site.objects.filter(kind=SiteKind.PRISON),
        required=False,
        label="Establishment",
        empty_label="Not in custody",
    )
    expected_release_date = DateField(label="Expected release date", required=False)
    actual_release_date = DateField(label="Actual release date", required=False)
    release_type = forms.ChoiceField(
        choices=[("", "Not released yet"), *ReleaseType.choices],
        required=False,
        label="Type of release",
    )
    offence_summary = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Offence summary",
        help_text="Sensitive: shown only to your agency and recipients with consent",
    )

    def clean(self):
        data = super().clean()
        reception, release = data.get("reception_date"), data.get("actual_release_date")
        if reception and release and release < reception:
            self.add_error(
                "actual_release_date", "Release date must be on or after the reception date"
            )
        expected = data.get("expected_release_date")
        if reception and expected and expected < reception:
            self.add_error(
                "expected_release_date",
                "Expected release date must be on or after the reception date",
            )
        return data


class SentenceEditForm(SentenceForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class TransferForm(GovUKFormMixin, forms.Form):
    to_establishment = forms.ModelChoiceField(
        queryset=Site.objects.filter(kind=SiteKind.PRISON),
        label="Moved to",
        error_messages={"required": "Choose the prison the person moved to"},
    )
    transferred_on = DateField(
        label="Date of the transfer", error_messages={"required": "Enter the date of the transfer"}
    )


class ReleasePlanForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    release_address = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Release address"
    )
    id_documents_ready = forms.BooleanField(required=False, label="ID documents ready for release")
    bank_account_ready = forms.BooleanField(required=False, label="Bank account open or arranged")
    accommodation_screened_on = DateField(
        required=False,
        label="Accommodation screening done on",
        help_text="Due within 4 days of reception",
    )
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Notes")


class HandoffForm(GovUKFormMixin, forms.Form):
    to_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Release-area agency",
        error_messages={"required": "Choose the agency to hand the case to"},
    )
    to_site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        required=False,
        label="Office",
        empty_label="Any office",
        help_text="For example, Southend office",
    )
    note = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 4}), label="Hand-over note"
    )

    def __init__(self, *args, exclude_agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.COMMISSIONER)
        if exclude_agency is not None:
            agencies = agencies.exclude(pk=exclude_agency.pk)
        self.fields["to_agency"].queryset = agencies
        self.fields["to_site"].queryset = Site.objects.filter(agency__in=agencies).select_related(
            "agency"
        )
        self.fields["to_site"].label_from_instance = lambda site: (
            f"{site.name} ({site.agency.name})"
        )


class ProgressForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.ChoiceField(choices=Stage.choices, label="Journey stage")
    ladder_step = forms.ChoiceField(
        choices=[("", "Not recorded"), *LadderStep.choices],
        required=False,
        label="Progression ladder step",
        help_text="Journeys can go backwards",
    )
    reason = forms.CharField(required=False, max_length=500, label="Reason (optional)")


class ReopenForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Why is the case being reopened?",
        error_messages={"required": "Enter why the case is being reopened"},
    )


TIMELINE_KINDS = [
    ("assessment", "Assessments"),
    ("action", "Actions"),
    ("appointment", "Appointments"),
    ("note", "Notes"),
    ("custody", "Custody"),
    ("handoff", "Hand-offs"),
    ("case", "Case changes"),
    ("risk", "Risk and licence"),
    ("learning", "Qualifications and training"),
    ("support", "Support given"),
    ("referral", "Referrals"),
    ("job", "Jobs"),
    ("consent", "Consent"),
    ("reoffending", "Reoffending checks"),
]


class TimelineFilterForm(GovUKFormMixin, forms.Form):
    kind = forms.MultipleChoiceField(
        choices=TIMELINE_KINDS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Show only",
    )
