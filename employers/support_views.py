"""Pages for the support-given log: a person's list, record and correct (employers.support)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from consent import policy
from consent.sections import Section
from core.views import save_with
from employers import support as support_module
from employers.models import EmploymentSpell
from employers.support_forms import SupportEditForm, SupportForm
from employers.views import _row_only, _staff_only, _viewed


def _person(request, person_pk):
    _staff_only(request.user)
    return policy.get_person(request.user, person_pk, Section.EMPLOYMENT)


def _spells(user, person):
    return EmploymentSpell.objects.for_user(user).filter(person=person).select_related("employer")


@login_required
def support_list(request, person_pk):
    person = _person(request, person_pk)
    rows = support_module.support_for_person(user=request.user, person=person)
    may_record = policy.can(request.user, "support.record")
    for row in rows:
        row.may_change = may_record and policy.may_change_row(
            request.user, person=person, row_agency_id=row.agency_id
        )
    _viewed(request, person, "support given")
    return render(
        request,
        "employers/support_list.html",
        {"person": person, "rows": rows, "may_record": may_record},
    )


def _form_page(request, person, form, title):
    _viewed(request, person, f"support form: {title}")
    return render(
        request, "employers/support_form.html", {"person": person, "form": form, "title": title}
    )


@login_required
@require_http_methods(["GET", "POST"])
def support_create(request, person_pk):
    person = _person(request, person_pk)
    if not policy.can(request.user, "support.record"):
        raise PermissionDenied("Your role does not record support given.")
    initial = {"given_on": policy.today(), "spell": request.GET.get("spell") or None}
    if request.GET.get("kind"):
        initial["kind"] = request.GET["kind"]
    form = SupportForm(request.POST or None, initial=initial, spells=_spells(request.user, person))
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            support_module.support_record,
            "Support recorded.",
            reverse("employers:support_list", args=[person.pk]),
            person=person,
            **form.cleaned_data,
        )
        if done:
            return done
    return _form_page(request, person, form, "Record support given")


@login_required
@require_http_methods(["GET", "POST"])
def support_edit(request, person_pk, support_pk):
    person = _person(request, person_pk)
    row = support_module.get_support(user=request.user, person=person, pk=support_pk)
    if not policy.can(request.user, "support.record"):
        raise PermissionDenied("Your role does not record support given.")
    _row_only(request, person, row.agency_id, "this support")
    initial = {
        "kind": row.kind,
        "given_on": row.given_on,
        "spell": row.spell_id,
        "employer": row.employer_id,
        "note": row.note,
        "version": row.version,
    }
    form = SupportEditForm(
        request.POST or None, initial=initial, spells=_spells(request.user, person)
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        done = save_with(
            request,
            form,
            support_module.support_update,
            "Support saved.",
            reverse("employers:support_list", args=[person.pk]),
            support=row,
            version=data.pop("version"),
            **data,
        )
        if done:
            return done
    return _form_page(request, person, form, "Change support given")
