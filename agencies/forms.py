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
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "spellcheck": "false"})


class ChooseAgencyForm(GovUKFormMixin, forms.Form):
    agency = forms.TypedChoiceField(coerce=int, widget=forms.RadioSelect, label="Which agency are you working for?",
                                    error_messages={"required": "Select the agency you are working for"})

    def __init__(self, *args, memberships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].choices = [(m.agency_id, f"{m.agency.name} ({m.get_role_display()})") for m in memberships]
