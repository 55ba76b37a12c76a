from django import forms
from django.contrib.auth.forms import AuthenticationForm

from core.forms import GovUKFormMixin


class SignInForm(GovUKFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is inactive.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        self.fields["username"].widget.attrs.update(
            {"autocomplete": "username", "spellcheck": "false"}
        )


class ChooseAgencyForm(GovUKFormMixin, forms.Form):
    agency = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label="Which agency are you working for?",
        error_messages={"required": "Select the agency you are working for"},
    )

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [
            (m.agency_id, f"{m.agency.name} ({m.get_role_display()})") for m in memberships
        ]


class TwoFactorCodeForm(GovUKFormMixin, forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        max_length=10,
        help_text="The 6-digit code shown in the app",
        error_messages={"required": "Enter the code from your authenticator app"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update(
            {"autocomplete": "one-time-code", "spellcheck": "false", "inputmode": "numeric"}
        )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not code.isdigit() or len(code) != 6:
            raise forms.ValidationError("Enter the 6-digit code from your authenticator app")
        return code


class EnrolmentCodeForm(GovUKFormMixin, forms.Form):
    code = forms.CharField(
        label="Set-up code from your administrator",
        max_length=20,
        help_text="12 letters and numbers, for example ABCD-EFGH-JKLM",
        error_messages={"required": "Enter the set-up code from your administrator"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].widget.attrs.update({"autocomplete": "off", "spellcheck": "false"})


class ConfirmForm(GovUKFormMixin, forms.Form):
    """A form with nothing to fill in: the button is the confirmation."""
