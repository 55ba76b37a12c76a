from django import forms

from agencies.models import Agency, AgencyKind
from consent import sections as S
from consent.models import ConsentMethod, EmergencyReason, Purpose
from core.forms import DateField, GovUKFormMixin

PLAIN_CHOICES = [(c, label) for c, label in S.DataCategory.choices if c in S.NON_SENSITIVE]
SENSITIVE_CHOICES = [(part, S.SensitivePart(part).label) for part in S.PARTS]


def _recipients():
    return Agency.objects.exclude(kind=AgencyKind.COMMISSIONER).filter(is_active=True)


class ConsentForm(GovUKFormMixin, forms.Form):
    """The person's consent, as an affirmative act: nothing is ticked until they choose it."""

    conditional_fields = {
        "method": {
            ConsentMethod.SIGNED_FORM: ("form_version",),
            ConsentMethod.VERBAL_WITNESSED: ("witness_name",),
        }
    }

    recipient_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Who may receive the information?",
        error_messages={
            "required": "Select the agency receiving the information",
            "invalid_choice": "Select an agency from the list",
        },
    )
    purposes = forms.MultipleChoiceField(
        choices=Purpose.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What for?",
        error_messages={"required": "Select at least one purpose"},
    )
    data_categories = forms.MultipleChoiceField(
        choices=PLAIN_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Which information, for employment support?",
        help_text="Only what the person agrees to. Nothing is shared that is not ticked.",
    )
    sensitive_categories = forms.MultipleChoiceField(
        choices=SENSITIVE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Which sensitive information?",
        help_text="Ask about each one separately. Only with the purpose 'Sensitive categories'.",
    )
    method = forms.ChoiceField(
        choices=ConsentMethod.choices,
        widget=forms.RadioSelect,
        label="How was consent given?",
        error_messages={"required": "Select how consent was given"},
    )
    form_version = forms.CharField(
        max_length=20,
        required=False,
        label="Consent form version",
        help_text="For a signed form, for example v4",
    )
    witness_name = forms.CharField(
        max_length=200, required=False, label="Witness name", help_text="For verbal consent"
    )
    given_on = DateField(
        label="Date consent was given",
        error_messages={"required": "Enter the date consent was given"},
    )
    expires_on = DateField(
        label="Expiry or review date", required=False, help_text="Leave blank if there is none"
    )

    def __init__(self, *args, recipients=None, **kwargs):
        """`recipients`: the agencies the user may record a consent for (consent.policy)."""
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].queryset = (
            recipients if recipients is not None else _recipients()
        )

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data["data_categories"] = list(data.pop("data_categories") or []) + list(
            data.pop("sensitive_categories") or []
        )
        return data


class ConsentFormPrintForm(GovUKFormMixin, forms.Form):
    recipient_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Agency the person is asked about (optional)",
        help_text="Leave blank to print a form with the agency to be written in",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recipient_agency"].queryset = _recipients()


class WithdrawForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why is consent being withdrawn?",
        error_messages={"required": "Enter why consent was withdrawn"},
    )


class ShareForm(GovUKFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        label="Which agency should work on this case?",
        error_messages={
            "required": "Select an agency",
            "invalid_choice": "Select an agency from the list",
        },
    )
    categories = forms.MultipleChoiceField(
        choices=S.DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What may it see?",
        help_text="Only what its consent covers, and only what it needs for its work",
        error_messages={"required": "Select the information to share"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = _recipients()


class RestrictForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why should this record be restricted?",
        help_text="For example: a member of staff, a public figure, or a victim's safety is at risk",
        error_messages={"required": "Enter why the record is being restricted"},
    )
    confirm = forms.BooleanField(
        label="I understand that only the staff named on this record, and my agency's managers, "
        "will then see it",
        error_messages={"required": "Confirm that only named staff should see this record"},
    )


class RestrictedGrantForm(GovUKFormMixin, forms.Form):
    staff_user = forms.ChoiceField(
        label="Member of staff", error_messages={"required": "Select a member of staff"}
    )

    def __init__(self, *args, choices=(), **kwargs):
        """`choices`: [(value "<user id>:<agency id>", label)] of staff who may be named."""
        super().__init__(*args, **kwargs)
        self.fields["staff_user"].choices = [("", "Choose a member of staff"), *choices]


class EmergencyAccessForm(GovUKFormMixin, forms.Form):
    identifier = forms.CharField(
        max_length=20,
        label="CRN, prison number or National Insurance number",
        help_text="Exactly as recorded. Emergency access cannot search by name.",
        error_messages={"required": "Enter a CRN, prison number or National Insurance number"},
    )
    reason = forms.ChoiceField(
        choices=EmergencyReason.choices,
        widget=forms.RadioSelect,
        label="Why do you need access now?",
        error_messages={"required": "Select why you need emergency access"},
    )
    detail = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="What is the emergency?",
        help_text="Your managers and the agency that owns the case will review this",
        error_messages={"required": "Say what the emergency is"},
    )


class EmergencyReviewForm(GovUKFormMixin, forms.Form):
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="What did you find?",
        error_messages={"required": "Enter what you found when you reviewed it"},
    )


class InvolvementSiteForm(GovUKFormMixin, forms.Form):
    """Which of the involved agency's own sites works the case."""

    site = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Which of your sites works with the person?",
        empty_label="Not recorded",
        error_messages={"invalid_choice": "Select one of your agency's sites"},
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        from agencies.models import Site

        self.fields["site"].queryset = Site.objects.filter(agency=agency).order_by("name")
