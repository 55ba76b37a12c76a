from django.urls import path

from employers import support_views, views

app_name = "employers"

urlpatterns = [
    path("employers/", views.employer_list, name="employer_list"),
    path("employers/new/", views.employer_create, name="employer_create"),
    path("employers/<int:pk>/", views.employer_detail, name="employer_detail"),
    path("employers/<int:pk>/edit/", views.employer_edit, name="employer_edit"),
    path("employers/<int:pk>/contacts/new/", views.contact_create, name="contact_create"),
    path("employers/vacancies/", views.vacancy_list, name="vacancy_list"),
    path("employers/vacancies/new/", views.vacancy_create, name="vacancy_create"),
    path("employers/vacancies/<int:pk>/", views.vacancy_detail, name="vacancy_detail"),
    path("employers/checks-due/", views.checks_due, name="checks_due"),
    path("employers/interviews/", views.interviews, name="interviews"),
    path("employers/starts-to-verify/", views.starts_to_verify, name="starts_to_verify"),
    path("employers/checks/<int:pk>/record/", views.check_record, name="check_record"),
    path("employers/applications/<int:pk>/", views.application_edit, name="application_edit"),
    path("employers/job-starts/<int:pk>/", views.spell_detail, name="spell_detail"),
    path("employers/job-starts/<int:pk>/edit/", views.spell_edit, name="spell_edit"),
    path("people/<int:person_pk>/jobs/", views.person_jobs, name="person_jobs"),
    path("cases/<int:pk>/jobs/", views.case_jobs, name="case_jobs"),
    path(
        "people/<int:person_pk>/jobs/preferences/", views.preferences_edit, name="preferences_edit"
    ),
    path(
        "people/<int:person_pk>/jobs/disclosure/new/",
        views.disclosure_create,
        name="disclosure_create",
    ),
    path(
        "people/<int:person_pk>/jobs/apply/<int:vacancy_pk>/",
        views.application_create,
        name="application_create",
    ),
    path("people/<int:person_pk>/jobs/start/", views.spell_create, name="spell_create"),
    path(
        "people/<int:person_pk>/jobs/feedback/new/", views.feedback_create, name="feedback_create"
    ),
    path("people/<int:person_pk>/support-given/", support_views.support_list, name="support_list"),
    path(
        "people/<int:person_pk>/support-given/new/",
        support_views.support_create,
        name="support_create",
    ),
    path(
        "people/<int:person_pk>/support-given/<int:support_pk>/",
        support_views.support_edit,
        name="support_edit",
    ),
]
