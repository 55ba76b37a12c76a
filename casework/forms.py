from django import forms

from agencies.models import Site
from casework.models import (
    AccommodationStatus,
    BenefitStatus,
    EmploymentStatus,
    EndReason,
    OffenderGroup,
    Person,
    Sex,
    Stage,
    SupportLevel,
)
from casework.validators import validate_crn, validate_ni_number, validate_prison_number
from core.forms import DateField, GovUKFormMixin


class PersonForm(GovUKFormMixin, forms.Form):
    first_name = forms.CharField(max_length=100, error_messages={"required": "Enter a first name"},
                                 widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    last_name = forms.CharField(max_length=100, error_messages={"required": "Enter a last name"},
                                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}))
    aliases = forms.CharField(max_length=300, required=False, help_text="Other names used, separated by commas")
    date_of_birth = DateField(label="Date of birth", help_text="For example, 27 3 1990",
                              error_messages={"required": "Enter a date of birth"})
    sex = forms.ChoiceField(choices=Sex.choices, widget=forms.RadioSelect, error_messages={"required": "Select sex"})
    national_insurance_number = forms.CharField(label="National Insurance number", max_length=13, required=False,
                                                validators=[validate_ni_number], help_text="Optional. For example, QQ 12 34 56 C")
    prison_number = forms.CharField(max_length=10, required=False, validators=[validate_prison_number],
                                    help_text="Optional. For example, A1234BC")
    crn = forms.CharField(label="Case reference number (CRN)", max_length=10, required=False,
                          validators=[validate_crn], help_text="Optional. For example, X123456")
    home_area = forms.CharField(max_length=100, required=False)
    release_area = forms.CharField(max_length=100, required=False, help_text="Decides the Jobcentre for Freshstart")
    accommodation_status = forms.ChoiceField(choices=AccommodationStatus.choices, initial=AccommodationStatus.UNKNOWN)
    employment_status = forms.ChoiceField(choices=EmploymentStatus.choices, initial=EmploymentStatus.UNKNOWN)
    benefit_status = forms.ChoiceField(choices=BenefitStatus.choices, initial=BenefitStatus.UNKNOWN)
    bank_account_held = forms.BooleanField(required=False, label="Has a bank account")
    id_documents_held = forms.BooleanField(required=False, label="Has ID documents")
    identity_verified_on = DateField(label="Identity verified on", required=False,
                                     help_text="Leave blank if identity has not been checked")


class PersonEditForm(PersonForm):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CaseForm(GovUKFormMixin, forms.Form):
    offender_group = forms.ChoiceField(choices=OffenderGroup.choices, widget=forms.RadioSelect,
                                       error_messages={"required": "Select the offender group"})
    support_level = forms.ChoiceField(choices=SupportLevel.choices, widget=forms.RadioSelect,
                                      error_messages={"required": "Select the support level"})
    stage = forms.ChoiceField(choices=Stage.choices, error_messages={"required": "Select the journey stage"})
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, label="Office or establishment")
    start_date = DateField(label="Start date", error_messages={"required": "Enter the start date"})
    planned_end_date = DateField(label="Planned end date", error_messages={"required": "Enter the planned end date"})

    def __init__(self, *args, agency=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.filter(agency=agency) if agency else Site.objects.none()

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
    end_date = DateField(label="End date", error_messages={"required": "Enter the date the case ended"})
    end_reason = forms.ChoiceField(choices=EndReason.choices, widget=forms.RadioSelect, label="Why did the case end?",
                                   error_messages={"required": "Select why the case ended"})


class CaseloadFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search by name, CRN, prison number or NI number", max_length=100)
    stage = forms.ChoiceField(choices=[("", "Any stage"), *Stage.choices], required=False)
    support_level = forms.ChoiceField(choices=[("", "Any level"), *SupportLevel.choices], required=False, label="Support level")
    mine = forms.ChoiceField(choices=[("", "Team"), ("1", "Mine only")], required=False, label="Whose cases")


PERSON_MODEL_FIELDS = list(PersonForm.base_fields)
assert set(PERSON_MODEL_FIELDS) <= {f.name for f in Person._meta.get_fields()}
