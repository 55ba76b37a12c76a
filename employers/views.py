import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from audit.models import Action
from audit.services import access_event_record, access_list_record
from consent import policy
from consent.sections import Section
from core.errors import ApplicationError
from core.pagination import Segments, narrow_page
from core.views import apply_error, querystring_without, save_with
from employers import matching, selectors, services
from employers.forms import (
    ApplicationForm,
    ApplicationUpdateForm,
    CheckRecordForm,
    ContactForm,
    DisclosureChoiceForm,
    EmployerEditForm,
    EmployerFilterForm,
    EmployerForm,
    FeedbackForm,
    OffenceTypesForm,
    PreferencesForm,
    SpellEditForm,
    SpellForm,
    VacancyForm,
)
from employers.models import ApplicationStatus, JobPreferences

PAGE_SIZE = 25
# Yours and the team's checks are each counted up to this many (the page then says "more than").
CHECKS_COUNT_CAP = 500


def _staff_only(user):
    if not policy.can(user, "person.view"):
        raise PermissionDenied("Your role does not give access to employment records.")


def _row_only(request, person, agency_id, what):
    """Another agency's row (visible) answers 403: only its agency or the case owner changes it."""
    if not policy.may_change_row(request.user, person=person, row_agency_id=agency_id):
        raise PermissionDenied(
            f"Only the agency that recorded {what}, or the case owner, can change it."
        )


def _viewed(request, person, page, obj=None):
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, obj=obj, detail={"page": page}
    )


def _interview_at(data):
    day, time = data.get("interview_on"), data.get("interview_time")
    if day is None:
        return None
    return timezone.make_aware(datetime.datetime.combine(day, time or datetime.time(9, 0)))


def _interview_error(form, exc):
    """The service names interview_at; the page asks for it as the interview date."""
    if exc.field == "interview_at":
        exc.field = "interview_on"
    apply_error(form, exc)


# --- employers --------------------------------------------------------------------------------


@login_required
def employer_list(request):
    _staff_only(request.user)
    form = EmployerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    employers = selectors.employer_list(
        q=filters.get("q", ""), sector=filters.get("sector", ""), town=filters.get("town", "")
    )
    page = Paginator(employers, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employers/employer_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def employer_create(request):
    _staff_only(request.user)
    form = EmployerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            employer = services.employer_create(user=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{employer.name} has been added.")
            return redirect("employers:employer_detail", pk=employer.pk)
    return render(
        request, "employers/employer_form.html", {"form": form, "title": "Add an employer"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def employer_edit(request, pk):
    _staff_only(request.user)
    employer = selectors.get_employer(pk=pk)
    if employer.owning_agency_id != request.user.acting.agency_id:
        raise PermissionDenied(
            "Only the agency that owns the relationship with this employer can change its details."
        )
    initial = {name: getattr(employer, name) for name in EmployerForm.base_fields} | {
        "version": employer.version
    }
    form = EmployerEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.employer_update,
            "Employer details saved.",
            reverse("employers:employer_detail", args=[employer.pk]),
            employer=employer,
            **form.cleaned_data,
        )
        if done:
            return done
    return render(
        request,
        "employers/employer_form.html",
        {"form": form, "employer": employer, "title": f"Change details for {employer.name}"},
    )


@login_required
def employer_detail(request, pk):
    _staff_only(request.user)
    employer = selectors.get_employer(pk=pk)
    return render(
        request,
        "employers/employer_detail.html",
        {
            "employer": employer,
            "contacts": selectors.employer_contacts(employer=employer),
            "recent_other": selectors.other_agency_recent_contacts(
                employer=employer, agency=request.user.acting.agency
            ),
            "vacancies": selectors.vacancies_for_employer(employer=employer),
            "can_edit": employer.owning_agency_id == request.user.acting.agency_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, pk):
    _staff_only(request.user)
    employer = selectors.get_employer(pk=pk)
    form = ContactForm(request.POST or None, initial={"contacted_on": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.employer_contact_record(
                user=request.user, employer=employer, **form.cleaned_data
            )
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Contact recorded.")
            return redirect("employers:employer_detail", pk=employer.pk)
    return render(
        request,
        "employers/contact_form.html",
        {
            "form": form,
            "employer": employer,
            "recent_other": selectors.other_agency_recent_contacts(
                employer=employer, agency=request.user.acting.agency
            ),
        },
    )


# --- vacancies --------------------------------------------------------------------------------


@login_required
def vacancy_list(request):
    _staff_only(request.user)
    form = EmployerFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    vacancies = selectors.vacancy_list(
        q=filters.get("q", ""), sector=filters.get("sector", ""), town=filters.get("town", "")
    )
    page = Paginator(vacancies, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employers/vacancy_list.html", {"form": form, "page": page})


@login_required
@require_http_methods(["GET", "POST"])
def vacancy_create(request):
    _staff_only(request.user)
    initial = {}
    if request.GET.get("employer", "").isdigit():
        employer = selectors.get_employer(pk=request.GET["employer"])
        initial = {
            "employer": employer.pk,
            "sector": employer.sector,
            "town": employer.town,
            "postcode": employer.postcode,
        }
    form = VacancyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        employer = data.pop("employer")
        try:
            vacancy = services.vacancy_create(user=request.user, employer=employer, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"Vacancy {vacancy.title} added.")
            return redirect("employers:vacancy_detail", pk=vacancy.pk)
    return render(request, "employers/vacancy_form.html", {"form": form})


@login_required
def vacancy_detail(request, pk):
    _staff_only(request.user)
    vacancy = selectors.get_vacancy(pk=pk)
    suitable = matching.people_for_vacancy(user=request.user, vacancy=vacancy)
    applications = list(selectors.applications_for_vacancy(user=request.user, vacancy=vacancy))
    access_event_record(
        user=request.user,
        action=Action.VIEW,
        detail={"page": "vacancy_matching", "vacancy": vacancy.pk, "shown": len(suitable)},
    )
    return render(
        request,
        "employers/vacancy_detail.html",
        {"vacancy": vacancy, "suitable": suitable, "applications": applications},
    )


# --- the person's job search ------------------------------------------------------------------


@login_required
def person_jobs(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    return _jobs_page(request, person)


@login_required
def case_jobs(request, pk):
    """Work and jobs as a tab of the case (the same page, with the case's header and tabs)."""
    from casework.selectors import get_case

    _staff_only(request.user)
    case = get_case(user=request.user, pk=pk)
    person = policy.get_person(request.user, case.person_id, Section.EMPLOYMENT)
    return _jobs_page(request, person, case=case)


def _jobs_page(request, person, case=None):
    access_event_record(
        user=request.user, action=Action.VIEW, person=person, detail={"page": "job_matching"}
    )
    prefs = JobPreferences.objects.for_user(request.user).filter(person=person).first()
    return render(
        request,
        "employers/person_jobs.html",
        {
            "case": case,
            "section": "jobs",
            "person": person,
            "prefs": prefs,
            "matches": matching.vacancies_for_person(user=request.user, person=person)[:30],
            "applications": selectors.applications_for_person(user=request.user, person=person),
            "spells": selectors.spells_for_person(user=request.user, person=person),
            "choices": selectors.disclosure_choices_for_person(user=request.user, person=person),
            "sees_sensitive": policy.sees(request.user, person, "offence"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def preferences_edit(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    prefs = JobPreferences.objects.for_user(request.user).filter(person=person).first()
    sensitive = policy.sees(request.user, person, "offence")
    initial = {"convictions_spent": "unknown"}
    if prefs:
        initial = {name: getattr(prefs, name) for name in PreferencesForm.base_fields}
        initial["offence_types"] = ", ".join(prefs.offence_types)
    form = PreferencesForm(request.POST or None, initial=initial)
    offence_form = (
        OffenceTypesForm(request.POST or None, initial=initial, prefix="sensitive")
        if sensitive
        else None
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (offence_form is None or offence_form.is_valid())
    ):
        data = dict(form.cleaned_data)
        if offence_form is not None:
            data["offence_types"] = offence_form.cleaned_data["offence_types"]
        try:
            services.job_preferences_set(user=request.user, person=person, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Job preferences saved.")
            return redirect("employers:person_jobs", person_pk=person.pk)
    _viewed(request, person, "preferences edit form")
    return render(
        request,
        "employers/preferences_form.html",
        {"form": form, "offence_form": offence_form, "person": person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_create(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    form = DisclosureChoiceForm(request.POST or None, initial={"on": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_choice_record(user=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "The person's disclosure choice has been recorded.")
            return redirect("employers:person_jobs", person_pk=person.pk)
    _viewed(request, person, "disclosure create form")
    return render(request, "employers/disclosure_form.html", {"form": form, "person": person})


@login_required
@require_http_methods(["GET", "POST"])
def application_create(request, person_pk, vacancy_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    vacancy = selectors.get_vacancy(pk=vacancy_pk)
    # An empty POST (no status chosen) is a bound form, so it is refused, not shown again blank.
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.application_create(
                user=request.user,
                person=person,
                vacancy=vacancy,
                status=form.cleaned_data["status"],
                # the interview questions are shown only for an arranged interview
                interview_at=_interview_at(form.cleaned_data)
                if form.cleaned_data["status"] == ApplicationStatus.INTERVIEW_ARRANGED
                else None,
            )
        except ApplicationError as exc:
            _interview_error(form, exc)
        else:
            messages.success(request, f"Application for {vacancy.title} recorded.")
            return redirect("employers:person_jobs", person_pk=person.pk)
    _viewed(request, person, "application create form")
    return render(
        request,
        "employers/application_form.html",
        {"form": form, "person": person, "vacancy": vacancy},
    )


@login_required
@require_http_methods(["GET", "POST"])
def application_edit(request, pk):
    _staff_only(request.user)
    application = selectors.get_application(user=request.user, pk=pk)
    _row_only(request, application.person, application.agency_id, "this application")
    local = timezone.localtime(application.interview_at) if application.interview_at else None
    form = ApplicationUpdateForm(
        request.POST or None,
        current_status=application.status,
        initial={
            "version": application.version,
            "status": application.status,
            "outcome": application.outcome,
            "interview_on": local.date() if local else None,
            "interview_time": local.time().strftime("%H:%M") if local else "",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.application_update(
                user=request.user,
                application=application,
                version=data["version"],
                status=data["status"],
                interview_at=_interview_at(data),
                outcome=data["outcome"],
            )
        except ApplicationError as exc:
            _interview_error(form, exc)
        else:
            messages.success(request, "Application updated.")
            return redirect("employers:person_jobs", person_pk=application.person_id)
    _viewed(request, application.person, "application form", obj=application)
    return render(
        request,
        "employers/application_edit.html",
        {"form": form, "application": application, "person": application.person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def spell_create(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    application = _offer_for_spell(request, person)
    initial = {"start_date": policy.today()}
    if application is not None:
        initial |= services.spell_fields_from_application(application)
    form = SpellForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {
            k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "employer"
        }
        if application is not None:
            data["application"] = application
        try:
            spell = services.employment_spell_create(user=request.user, person=person, **data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(
                request,
                f"Job start recorded. Retention checks are scheduled from {spell.start_date:%-d %B %Y}.",
            )
            return redirect("employers:spell_detail", pk=spell.pk)
    _viewed(request, person, "spell create form")
    return render(
        request,
        "employers/spell_form.html",
        {
            "form": form,
            "person": person,
            "title": "Record a job start",
            "application": application,
        },
    )


def _offer_for_spell(request, person):
    """The offered application a job start is made from (?application=<id>), or None."""
    pk = request.GET.get("application", "")
    if not pk.isdigit():
        return None
    application = selectors.get_application(user=request.user, pk=int(pk))
    if application.person_id != person.pk:
        raise Http404("Application not found")
    return application


@login_required
def spell_detail(request, pk):
    _staff_only(request.user)
    spell = selectors.get_spell(user=request.user, pk=pk)
    access_event_record(user=request.user, action=Action.VIEW, person=spell.person, obj=spell)
    from employers.support import support_for_spell

    checks = list(selectors.checks_for_spell(spell=spell))
    return render(
        request,
        "employers/spell_detail.html",
        {
            "spell": spell,
            "person": spell.person,
            "checks": checks,
            "support": support_for_spell(user=request.user, spell=spell, checks=checks),
            "may_record_support": policy.can(request.user, "support.record"),
            "can_change": policy.may_change_row(
                request.user, person=spell.person, row_agency_id=spell.agency_id
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def spell_edit(request, pk):
    _staff_only(request.user)
    spell = selectors.get_spell(user=request.user, pk=pk)
    _row_only(request, spell.person, spell.agency_id, "this job start")
    initial = {
        name: getattr(spell, name) for name in SpellEditForm.base_fields if hasattr(spell, name)
    }
    initial["employer"] = spell.employer_id
    form = SpellEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        done = save_with(
            request,
            form,
            services.employment_spell_update,
            "Job start saved.",
            reverse("employers:spell_detail", args=[spell.pk]),
            spell=spell,
            **form.cleaned_data,
        )
        if done:
            return done
    _viewed(request, spell.person, "job start form", obj=spell)
    return render(
        request,
        "employers/spell_form.html",
        {"form": form, "person": spell.person, "spell": spell, "title": "Change job start"},
    )


# --- retention checks -------------------------------------------------------------------------


@login_required
def checks_due(request):
    _staff_only(request.user)
    mine = request.GET.get("mine") == "1"
    try:
        adviser_id = int(request.GET["adviser"]) if request.GET.get("adviser") else None
    except ValueError:
        adviser_id = None
    checks = Segments(
        selectors.checks_due_parts(user=request.user, mine=mine, adviser_id=adviser_id),
        cap=CHECKS_COUNT_CAP,
    )
    page = narrow_page(checks, request.GET.get("page"), PAGE_SIZE)
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page="checks_due",
        people=[check.spell.person_id for check in page.object_list],
    )
    return render(
        request,
        "employers/checks_due.html",
        {
            "page": page,
            "mine": mine,
            "adviser_id": adviser_id,
            "today": policy.today(),
            "capped": checks.capped,
            "querystring": querystring_without(request, "page"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def check_record(request, pk):
    _staff_only(request.user)
    check = selectors.get_check(user=request.user, pk=pk)
    _row_only(request, check.spell.person, check.spell.agency_id, "this job start")
    form = CheckRecordForm(request.POST or None, initial={"checked_on": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.retention_check_record(user=request.user, check=check, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, f"{check.milestone_weeks}-week check recorded.")
            return redirect("employers:checks_due")
    _viewed(request, check.spell.person, "retention check form", obj=check)
    return render(
        request,
        "employers/check_form.html",
        {"form": form, "check": check, "spell": check.spell, "person": check.spell.person},
    )


@login_required
@require_http_methods(["GET", "POST"])
def feedback_create(request, person_pk):
    _staff_only(request.user)
    person = policy.get_person(request.user, person_pk, Section.EMPLOYMENT)
    form = FeedbackForm(request.POST or None, initial={"given_on": policy.today()})
    if request.method == "POST" and form.is_valid():
        try:
            services.feedback_record(user=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            apply_error(form, exc)
        else:
            messages.success(request, "Feedback recorded.")
            return redirect("employers:person_jobs", person_pk=person.pk)
    _viewed(request, person, "feedback create form")
    return render(request, "employers/feedback_form.html", {"form": form, "person": person})


WHOSE = [("", "The team's"), ("mine", "Only mine")]


def _work_list(request, *, page_name, title, noun, intro, empty, queryset_for, columns, row):
    """A full list My work links to: Django pagination, the mine/team filter, one audit event."""
    from core.worklist import LIST_TEMPLATE, filters, full_list

    if not policy.can(request.user, "my_work.employment"):
        raise PermissionDenied("Your role does not work from this list.")
    whose, links = filters(request, "whose", WHOSE)
    context = full_list(
        request,
        queryset=queryset_for(user=request.user, mine=whose == "mine"),
        columns=columns,
        row=row,
    )
    access_list_record(
        user=request.user,
        action=Action.VIEW,
        page=page_name,
        people=[obj.person_id for obj in context["objects"]],
        detail={"filters": {"whose": whose} if whose else {}},
    )
    return render(
        request,
        LIST_TEMPLATE,
        {
            **context,
            "title": title,
            "noun": noun,
            "intro": intro,
            "empty": empty,
            "filter_groups": [links],
        },
    )


@login_required
def interviews(request):
    from employers.panels import INTERVIEW_COLUMNS, interview_row

    return _work_list(
        request,
        page_name="interviews",
        title="Interviews coming up",
        noun="interviews arranged",
        intro="Interviews arranged on your agency's applications, the soonest first.",
        empty="No interviews are arranged.",
        queryset_for=selectors.interviews_coming_up,
        columns=INTERVIEW_COLUMNS,
        row=interview_row,
    )


@login_required
def starts_to_verify(request):
    from employers.panels import START_COLUMNS, start_row

    return _work_list(
        request,
        page_name="starts_to_verify",
        title="Job starts to verify",
        noun="job starts not verified",
        intro="Jobs still running that nobody has verified with the person, the employer or a payslip, the oldest first.",
        empty="Every job start has been verified.",
        queryset_for=selectors.starts_to_verify,
        columns=START_COLUMNS,
        row=start_row,
    )
