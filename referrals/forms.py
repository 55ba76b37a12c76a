from django import forms

from agencies.models import Agency, AgencyKind
from consent.models import DataCategory
from core.forms import GovUKFormMixin
from referrals.models import DeclineReason, Need, Provision, Setting, Status, WithdrawReason


class ProvisionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} – {obj.agency.name} ({obj.get_setting_display().lower()})"


class ReferralForm(GovUKFormMixin, forms.Form):
    provision = ProvisionChoiceField(
        queryset=Provision.objects.none(),
        required=False,
        label="Provision",
        help_text="Choose what the person is referred to. Leave blank to refer to an agency instead.",
        error_messages={"invalid_choice": "Select a provision from the list"},
    )
    to_agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        required=False,
        label="Or refer to an agency",
        help_text="Only if the provision is not in the catalogue",
        error_messages={"invalid_choice": "Select an agency from the list"},
    )
    need = forms.ChoiceField(
        choices=[("", "Select the need")] + Need.choices,
        label="Which need does it address?",
        error_messages={"required": "Select the need the referral addresses"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        label="Reason for the referral",
        help_text="What the person needs and why this provision. The receiving agency reads this.",
        error_messages={"required": "Enter the reason for the referral"},
    )
    share_categories = forms.MultipleChoiceField(
        choices=DataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        label="What information will you share?",
        help_text="Only what the person has consented to share with the receiving agency. Once "
        "it accepts, it sees this and nothing more.",
        error_messages={"required": "Select the information to share with the receiving agency"},
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        provisions = Provision.objects.filter(active=True).select_related("agency").order_by("name")
        agencies = Agency.objects.filter(is_active=True).exclude(kind=AgencyKind.COMMISSIONER)
        if agency is not None:
            provisions = provisions.exclude(agency=agency)
            agencies = agencies.exclude(pk=agency.pk)
        self.fields["provision"].queryset = provisions
        self.fields["to_agency"].queryset = agencies

    def clean(self):
        data = super().clean()
        if (
            not data.get("provision")
            and not data.get("to_agency")
            and "provision" not in self.errors
        ):
            self.add_error("provision", "Select a provision or an agency to refer to")
        return data


class ReferralEditForm(ReferralForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(GovUKFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AcceptForm(VersionForm):
    """Accepting a referral: which of the receiving agency's own sites takes it on (optional)."""

    site = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label="Which of your sites will work with the person?",
        empty_label="Not decided yet",
        error_messages={"invalid_choice": "Select one of your agency's sites"},
    )

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        from agencies.models import Site

        self.fields["site"].queryset = Site.objects.filter(agency=agency).order_by("name")


class DeclineForm(GovUKFormMixin, forms.Form):
    reason_code = forms.ChoiceField(
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        label="Why are you declining the referral?",
        error_messages={"required": "Select why you are declining the referral"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="More detail",
        help_text="Required if you chose Other. The referring agency sees this.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WithdrawForm(GovUKFormMixin, forms.Form):
    reason_code = forms.ChoiceField(
        choices=WithdrawReason.choices,
        widget=forms.RadioSelect,
        label="Why are you withdrawing the referral?",
        error_messages={"required": "Select why you are withdrawing the referral"},
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="More detail",
        help_text="Required if you chose Other",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class InboxFilterForm(GovUKFormMixin, forms.Form):
    direction = forms.ChoiceField(
        choices=[("", "Incoming and outgoing"), ("in", "Incoming"), ("out", "Outgoing")],
        required=False,
        label="Direction",
    )
    status = forms.ChoiceField(
        choices=[
            ("", "Any status"),
            ("open", "Open (sent, accepted or started)"),
            ("overdue", "Overdue"),
        ]
        + Status.choices,
        required=False,
        label="Status",
    )


class ProvisionFilterForm(GovUKFormMixin, forms.Form):
    setting = forms.ChoiceField(
        choices=[("", "Any setting")] + Setting.choices, required=False, label="Setting"
    )
