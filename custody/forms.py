import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone

from agencies.models import Agency, AgencyKind, Site, SiteKind
from casework.validators import validate_ni_number
from core.forms import DateField, GovUKFormMixin, TimeField
from core.uploads import UploadField
from custody.models import (
    AdviceTopic,
    Benefit,
    BenefitDeliveryCentre,
    BenefitSurgery,
    ChaseOutcome,
    ClaimState,
    ContactMethod,
    FoundBy,
    MarkerKind,
    ScanItemDismissReason,
    ScanKind,
    UndecidedReason,
)

YES_NO = [("yes", "Yes"), ("no", "No")]


def _yes_no(label, required=True, **kwargs):
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=required,
        coerce=lambda v: v == "yes",
        empty_value=None,
        **kwargs,
    )


class ClaimClosureForm(GovUKFormMixin, forms.Form):
    establishment = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        label="Establishment",
        error_messages={"required": "Select the establishment"},
    )
    reception_date = DateField(
        label="Reception date", error_messages={"required": "Enter the reception date"}
    )
    benefits = forms.MultipleChoiceField(
        choices=Benefit.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Benefits in payment",
        help_text="Leave empty if none were in payment",
    )
    found_by = forms.ChoiceField(
        choices=FoundBy.choices,
        widget=forms.RadioSelect,
        label="How were they found?",
        initial=FoundBy.EBSA_CASEWORK,
        error_messages={"required": "Select how the benefits were found"},
    )
    identity_checked = forms.BooleanField(required=False, label="Identity checked")
    national_insurance_number = forms.CharField(
        label="National Insurance number",
        max_length=13,
        required=False,
        validators=[validate_ni_number],
        help_text="For example, QQ 12 34 56 C",
    )
    bdc = forms.ModelChoiceField(
        queryset=BenefitDeliveryCentre.objects.none(),
        required=False,
        label="Benefit Delivery Centre",
        empty_label="Not chosen yet",
        help_text="From the directory kept by the administrators",
    )
    bdc_contact_method = forms.ChoiceField(
        choices=[("", "Not contacted yet"), *ContactMethod.choices],
        required=False,
        label="How the Benefit Delivery Centre was contacted",
    )
    received_on = DateField(
        label="Date received", required=False, help_text="When the reception notice reached you"
    )
    identified_on = DateField(label="Date benefits identified", required=False)
    sent_to_bdc_on = DateField(label="Date sent to the Benefit Delivery Centre", required=False)
    closed_on = DateField(label="Date closure confirmed", required=False)
    claim_ended_on = DateField(
        label="Date the last claim ended",
        required=False,
        help_text="The day the claim actually ended, usually the reception date, not the day the "
        "closure was confirmed. Rapid reclaim counts 26 weeks from this day",
    )
    suspected_overpayment = forms.BooleanField(required=False, label="Suspected overpayment")
    overpayment_amount = forms.DecimalField(
        label="Amount overpaid, in pounds",
        required=False,
        max_digits=9,
        decimal_places=2,
        min_value=0,
        error_messages={
            "invalid": "Enter the amount overpaid as a number, like 312.50",
            "min_value": "The amount overpaid cannot be negative",
            "max_digits": "Enter an amount under £10,000,000",
            "max_decimal_places": "Enter the amount in pounds and pence, like 312.50",
        },
    )
    overpayment_from = DateField(label="Overpayment period from", required=False)
    overpayment_to = DateField(label="Overpayment period to", required=False)
    fraud_referred_on = DateField(label="Date referred to the fraud team", required=False)
    fraud_reference = forms.CharField(label="Fraud team reference", max_length=40, required=False)
    home_centre_outside_region = forms.BooleanField(
        required=False, label="Home benefit centre is outside the region"
    )
    housing_benefit_kept = forms.BooleanField(
        required=False, label="Housing Benefit kept (remand, or in custody under 13 weeks)"
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=4000
    )

    def __init__(self, *args, agency=None, current_bdc_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bdc"].queryset = BenefitDeliveryCentre.objects.filter(
            Q(is_active=True) | Q(pk=current_bdc_id)
        ).select_related("region")
        self.fields["bdc"].label_from_instance = lambda c: (
            f"{c.name} ({c.region.name})" if c.region_id else c.name
        )
        sites = (
            BenefitSurgery.objects.filter(jobcentre=agency).values("establishment_id")
            if agency
            else []
        )
        self.fields["establishment"].queryset = (
            Site.objects.filter(pk__in=sites) if agency else Site.objects.none()
        )


class ClaimClosureEditForm(ClaimClosureForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ClosureChaseForm(GovUKFormMixin, forms.Form):
    chased_on = DateField(
        label="Date of the chase", error_messages={"required": "Enter the date of the chase"}
    )
    method = forms.ChoiceField(
        choices=ContactMethod.choices,
        widget=forms.RadioSelect,
        label="How was the Benefit Delivery Centre chased?",
        error_messages={"required": "Select how the Benefit Delivery Centre was chased"},
    )
    outcome = forms.ChoiceField(
        choices=ChaseOutcome.choices,
        widget=forms.RadioSelect,
        label="Outcome",
        error_messages={"required": "Select the outcome of the chase"},
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )


class ClosureChaseEditForm(ClosureChaseForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class MarkerForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=MarkerKind.choices,
        widget=forms.RadioSelect,
        label="Which marker?",
        error_messages={"required": "Select the kind of marker"},
        help_text="Needs the person's consent for the offender marker purpose. Drug and alcohol "
        "markers are never shown outside the Jobcentre. Every marker lapses after 12 months.",
    )


class PreReleaseAdviceForm(GovUKFormMixin, forms.Form):
    given_on = DateField(
        label="Date of the advice", error_messages={"required": "Enter the date of the advice"}
    )
    topics = forms.MultipleChoiceField(
        choices=AdviceTopic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Topics covered",
    )
    discussed = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        label="What was discussed",
        error_messages={"required": "Enter what was discussed"},
    )
    budgeting_advance_applied = forms.BooleanField(
        required=False, label="Budgeting advance applied for"
    )
    social_fund_applied = forms.BooleanField(required=False, label="Social fund applied for")
    jobcentre_offer_explained = forms.BooleanField(
        required=False, label="Jobcentre offer explained"
    )
    offender_status_declared = forms.BooleanField(
        required=False,
        label="Offender status declared to the Jobcentre",
        help_text="Needs the person's consent for the offender marker purpose",
    )
    declared_to = forms.ModelChoiceField(
        queryset=Agency.objects.filter(kind=AgencyKind.JOBCENTRE, is_active=True),
        required=False,
        label="Declared to (release-area Jobcentre)",
    )


class FreshstartForm(GovUKFormMixin, forms.Form):
    office = forms.ModelChoiceField(
        queryset=Site.objects.filter(kind=SiteKind.JOBCENTRE, agency__kind=AgencyKind.JOBCENTRE),
        label="Jobcentre office",
        error_messages={"required": "Select the Jobcentre office"},
        help_text="In the release area, not the prison's area",
    )
    appointment_date = DateField(
        label="Appointment date", error_messages={"required": "Enter the appointment date"}
    )
    appointment_time = TimeField(
        label="Appointment time", error_messages={"required": "Enter the appointment time"}
    )
    notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def clean(self):
        data = super().clean()
        time, day = data.get("appointment_time"), data.get("appointment_date")
        if time and day:
            data["appointment_at"] = timezone.make_aware(datetime.datetime.combine(day, time))
        return data


class AttendanceForm(GovUKFormMixin, forms.Form):
    attended = _yes_no(
        "Did they attend?", error_messages={"required": "Select whether they attended"}
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class PostReleaseClaimForm(GovUKFormMixin, forms.Form):
    conditional_fields = {"claim_state": {ClaimState.UNDECIDED: ("undecided_reason",)}}
    released_on = DateField(
        label="Release date", error_messages={"required": "Enter the release date"}
    )
    claim_made_on = DateField(
        label="Date of the new claim",
        error_messages={"required": "Enter the date of the new claim"},
    )
    benefit = forms.ChoiceField(choices=Benefit.choices, label="Benefit claimed")
    last_claim_ended_on = DateField(
        label="Date the last claim ended",
        required=False,
        help_text="Leave blank to use the day the claim ended as recorded on the latest claim "
        "closure (not the day the closure was confirmed)",
    )
    circumstances_unchanged = forms.BooleanField(
        required=False, label="Circumstances unchanged since the last claim"
    )
    claim_state = forms.ChoiceField(
        choices=ClaimState.choices, widget=forms.RadioSelect, label="State of the claim"
    )
    undecided_reason = forms.ChoiceField(
        choices=UndecidedReason.choices[1:],
        widget=forms.RadioSelect,
        required=False,
        label="If undecided, why?",
    )
    advance_requested = forms.BooleanField(
        required=False, label="Payment on account or advance requested"
    )
    likely_entitled = _yes_no("Likely to be entitled?", required=False)
    in_financial_need = _yes_no("In financial need?", required=False)
    first_payment_on = DateField(
        label="Date of first payment",
        required=False,
        help_text="The finance gap is counted from release to this date",
    )


class PostReleaseClaimEditForm(PostReleaseClaimForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScanUploadForm(GovUKFormMixin, forms.Form):
    kind = forms.ChoiceField(
        choices=ScanKind.choices,
        widget=forms.RadioSelect,
        required=False,
        initial=ScanKind.MATCHING_SCAN,
        label="What is the file?",
    )
    # The shared validator (core.uploads): size (UPLOAD_MAX_BYTES), a .csv or .txt name, and text content.
    file = UploadField(
        kinds=("csv", "txt"),
        text_encodings=("utf-8", "cp1252"),  # Excel's default CSV is Windows-1252
        label="Upload the matching scan (CSV)",
        error_messages={"required": "Select a CSV file", "empty": "The selected file is empty"},
    )

    def clean_kind(self):
        return self.cleaned_data.get("kind") or ScanKind.MATCHING_SCAN


class MarkerEndForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why is the marker being ended?",
        error_messages={"required": "Enter why the marker is being ended"},
    )


class ScanItemDismissForm(GovUKFormMixin, forms.Form):
    reason = forms.ChoiceField(
        choices=ScanItemDismissReason.choices,
        widget=forms.RadioSelect,
        label="Why does this row need no claim closure?",
        error_messages={"required": "Select why this work item needs no claim closure"},
    )
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=500,
        required=False,
        label="Note",
        help_text="Needed if the row is wrong: say what is wrong with it",
        error_messages={"max_length": "The note must be 500 characters or fewer"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class ScanItemFindForm(GovUKFormMixin, forms.Form):
    q = forms.CharField(
        max_length=100,
        required=False,
        label="Surname, NI number or prison number",
        error_messages={"max_length": "Enter 100 characters or fewer"},
    )
