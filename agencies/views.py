from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from agencies import acting
from agencies.forms import ChooseAgencyForm, SignInForm


class SignInView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        if acting.memberships_for(self.request.user).count() > 1:
            return f"/agency/?next={url}"
        return url


@login_required
@require_http_methods(["GET", "POST"])
def choose_agency(request):
    memberships = list(acting.memberships_for(request.user))
    current = getattr(request.user.acting, "agency_id", None)
    form = ChooseAgencyForm(request.POST or None, memberships=memberships, initial={"agency": current})
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
