from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from agencies import acting
from agencies.enrolment import (
    two_factor_enrolment_check,
    two_factor_enrolment_live,
    two_factor_enrolment_use,
)
from agencies.forms import (
    ChooseAgencyForm,
    ConfirmForm,
    EnrolmentCodeForm,
    SignInForm,
    TwoFactorCodeForm,
)
from agencies.security import requires_two_factor, user_sign_out_everywhere
from core.ratelimit import rate_limited


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs) | {
            "expired": self.request.GET.get("expired") == "1"
        }

    def get_success_url(self):
        url = super().get_success_url()
        if acting.memberships_for(self.request.user).count() > 1:
            return f"/agency/?next={url}"
        return url


class SignOutView(auth_views.LogoutView):
    """Sign out of this browser; the user's API tokens end too (SECURITY.md, "API tokens")."""

    def post(self, request, *args, **kwargs):
        from agencies.tokens import user_api_tokens_revoke

        if request.user.is_authenticated:
            user_api_tokens_revoke(user=request.user, reason="sign_out")
        return super().post(request, *args, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def choose_agency(request):
    memberships = list(acting.memberships_for(request.user))
    current = getattr(request.user.acting, "agency_id", None)
    form = ChooseAgencyForm(
        request.POST or None, memberships=memberships, initial={"agency": current}
    )
    if request.method == "POST" and form.is_valid():
        request.session[acting.SESSION_KEY] = form.cleaned_data["agency"]
        chosen = next(m for m in memberships if m.agency_id == form.cleaned_data["agency"])
        messages.success(request, f"You are now working for {chosen.agency.name}.")
        nxt = request.GET.get("next", "/")
        if not url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()}):
            nxt = "/"
        return redirect(nxt)
    return render(request, "agencies/choose_agency.html", {"form": form})


@login_required
def no_agency(request):
    return render(request, "agencies/no_agency.html", status=200)


def _safe_next(request, default="/"):
    nxt = request.POST.get("next") or request.GET.get("next") or default
    if not url_has_allowed_host_and_scheme(
        nxt, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return default
    return nxt


def _secret_for(device) -> str:
    import base64

    return base64.b32encode(device.bin_key).decode().rstrip("=")


ENROLMENT_SESSION_KEY = "two_factor_enrolment"


def _enrolment_code_step(request):
    """Ask for the one-time set-up code from an administrator before showing a secret."""
    form = EnrolmentCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        enrolment = two_factor_enrolment_check(user=request.user, code=form.cleaned_data["code"])
        if enrolment is not None:
            request.session[ENROLMENT_SESSION_KEY] = enrolment.pk
            return redirect(f"{reverse('agencies:two_factor_setup')}?next={_safe_next(request)}")
        form.add_error(
            "code",
            "The set-up code is not right or has expired. Ask your administrator for a new one",
        )
    return render(
        request,
        "agencies/two_factor_enrolment_code.html",
        {
            "form": form,
            "required": requires_two_factor(request.user),
            "next": _safe_next(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("sign_in", by="user")
def two_factor_setup(request):
    """Add an authenticator app: a first device needs an administrator's one-time set-up code (the
    password alone never enrols one); then show the secret (and otpauth link) and check a code."""
    from django_otp import login as otp_login
    from django_otp import user_has_device
    from django_otp.plugins.otp_totp.models import TOTPDevice

    if user_has_device(request.user) and not request.user.is_verified():
        return redirect(f"{reverse('agencies:two_factor_verify')}?next={_safe_next(request)}")
    enrolment = None
    if not request.user.is_verified():  # a first device needs an administrator's set-up code
        enrolment = two_factor_enrolment_live(
            user=request.user, pk=request.session.get(ENROLMENT_SESSION_KEY)
        )
        if enrolment is None:
            return _enrolment_code_step(request)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name="Authenticator app", confirmed=False
        )
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if enrolment is not None:
                request.session.pop(ENROLMENT_SESSION_KEY, None)
                if not two_factor_enrolment_use(enrolment=enrolment):
                    return redirect(
                        f"{reverse('agencies:two_factor_setup')}?next={_safe_next(request)}"
                    )
            TOTPDevice.objects.filter(
                user=request.user, confirmed=True
            ).delete()  # one app per user
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            otp_login(request, device)
            messages.success(
                request,
                "Two-factor authentication is set up. You will be asked for a code when you sign in.",
            )
            return redirect(_safe_next(request))
        form.add_error(
            "code", "The code is not right. Check the time on your phone and enter the newest code"
        )
    return render(
        request,
        "agencies/two_factor_setup.html",
        {
            "form": form,
            "secret": _secret_for(device),
            "otpauth_uri": device.config_url,
            "required": requires_two_factor(request.user),
            "next": _safe_next(request, ""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@rate_limited("sign_in", by="user")
def two_factor_verify(request):
    """Ask for the current code from the user's authenticator app once per session."""
    from django_otp import devices_for_user
    from django_otp import login as otp_login

    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect(f"{reverse('agencies:two_factor_setup')}?next={_safe_next(request)}")
    form = TwoFactorCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        for device in devices:
            allowed, _ = device.verify_is_allowed()
            if allowed and device.verify_token(form.cleaned_data["code"]):
                otp_login(request, device)
                return redirect(_safe_next(request))
        form.add_error(
            "code", "The code is not right. Enter the newest code from your authenticator app"
        )
    return render(
        request, "agencies/two_factor_verify.html", {"form": form, "next": _safe_next(request, "")}
    )


@login_required
@require_http_methods(["GET", "POST"])
def sign_out_everywhere(request):
    """End every session of this user, on every device, and cancel their API tokens."""
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user_sign_out_everywhere(user=request.user)
        logout(request)
        return redirect(f"{reverse('login')}?signed_out_everywhere=1")
    return render(request, "agencies/sign_out_everywhere.html", {"form": form})
