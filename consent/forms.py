from django import forms

from agencies.models import Agency, AgencyKind
from consent.models import ConsentMethod, DataCategory, Purpose
from core.forms import DateField, GovUKFormMixin


class ConsentForm(GovUKFormMixin, forms.Form):
    recipient_agency = forms.ModelChoiceField(
        queryset=Agency.objects.exclude(kind=AgencyKind.COMMISSIONER).filter(is_active=True),
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
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Which information?",
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
        help_text="For a signed form, for example v3.2",
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


class WithdrawForm(GovUKFormMixin, forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Why is consent being withdrawn?",
        error_messages={"required": "Enter why consent was withdrawn"},
    )


class ShareForm(GovUKFormMixin, forms.Form):
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.exclude(kind=AgencyKind.COMMISSIONER).filter(is_active=True),
        label="Which agency should work on this case?",
        error_messages={
            "required": "Select an agency",
            "invalid_choice": "Select an agency from the list",
        },
    )


class RestrictedGrantForm(GovUKFormMixin, forms.Form):
    staff_user = forms.ModelChoiceField(
        queryset=None,
        label="Member of staff",
        error_messages={"required": "Select a member of staff"},
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        from agencies.models import User

        self.fields["staff_user"].queryset = User.objects.filter(
            memberships__agency=agency, memberships__is_active=True
        ).distinct()
