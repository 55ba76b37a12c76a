from django.urls import path

from casework import correction_views, record_views, views

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("my-work/", views.my_work, name="my_work"),
    path("start/", views.home, name="home"),
    path("my-work/overdue-actions/", views.overdue_actions, name="overdue_actions"),
    path("my-work/appointments/", views.appointments_week, name="appointments_week"),
    path("my-work/no-contact/", views.cases_without_contact, name="cases_without_contact"),
    path("my-work/handoffs/", views.handoffs, name="handoffs"),
    path("people/", views.person_search, name="person_search"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/summary.pdf", views.case_summary_pdf, name="case_summary_pdf"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/reopen/", views.case_reopen, name="case_reopen"),
    path("cases/<int:pk>/progress/", views.case_progress, name="case_progress"),
    path("cases/<int:pk>/assessment/", views.case_assessment, name="case_assessment"),
    path("cases/<int:pk>/assessment/new/", views.assessment_create, name="assessment_create"),
    path("cases/<int:pk>/plan/", views.case_plan, name="case_plan"),
    path("cases/<int:pk>/plan/goals/new/", views.goal_create, name="goal_create"),
    path(
        "cases/<int:pk>/plan/goals/<int:goal_pk>/edit/",
        correction_views.goal_edit,
        name="goal_edit",
    ),
    path(
        "cases/<int:pk>/plan/goals/<int:goal_pk>/cancel/",
        correction_views.goal_cancel,
        name="goal_cancel",
    ),
    path(
        "cases/<int:pk>/plan/appointments/<int:appointment_pk>/edit/",
        correction_views.appointment_edit,
        name="appointment_edit",
    ),
    path(
        "cases/<int:pk>/plan/appointments/<int:appointment_pk>/cancel/",
        correction_views.appointment_cancel,
        name="appointment_cancel",
    ),
    path("cases/<int:pk>/plan/actions/new/", views.action_create, name="action_create"),
    path("cases/<int:pk>/plan/actions/<int:action_pk>/", views.action_edit, name="action_edit"),
    path(
        "cases/<int:pk>/plan/appointments/new/", views.appointment_create, name="appointment_create"
    ),
    path(
        "cases/<int:pk>/plan/appointments/<int:appointment_pk>/attendance/",
        views.appointment_attendance,
        name="appointment_attendance",
    ),
    path("cases/<int:pk>/notes/", views.case_notes, name="case_notes"),
    path("cases/<int:pk>/notes/new/", views.note_create, name="note_create"),
    path("cases/<int:pk>/custody/", views.case_custody, name="case_custody"),
    path("cases/<int:pk>/custody/sentences/new/", views.sentence_create, name="sentence_create"),
    path(
        "cases/<int:pk>/custody/sentences/<int:sentence_pk>/",
        views.sentence_edit,
        name="sentence_edit",
    ),
    path(
        "cases/<int:pk>/custody/sentences/<int:sentence_pk>/transfers/new/",
        views.transfer_create,
        name="transfer_create",
    ),
    path("cases/<int:pk>/custody/checklist/", views.release_plan_edit, name="release_plan_edit"),
    path("cases/<int:pk>/handoff/new/", views.handoff_create, name="handoff_create"),
    path("handoffs/<int:handoff_pk>/", views.handoff_detail, name="handoff_detail"),
    path("cases/<int:pk>/timeline/", views.case_timeline, name="case_timeline"),
    path(
        "cases/<int:pk>/offender-manager/",
        record_views.offender_manager_edit,
        name="offender_manager_edit",
    ),
    path("cases/<int:pk>/risk/", record_views.risk_licence_edit, name="risk_licence_edit"),
    path("cases/<int:pk>/learning/", record_views.case_learning, name="case_learning"),
    path(
        "cases/<int:pk>/learning/qualifications/new/",
        record_views.qualification_create,
        name="qualification_create",
    ),
    path(
        "cases/<int:pk>/learning/qualifications/<int:qualification_pk>/",
        record_views.qualification_edit,
        name="qualification_edit",
    ),
    path("cases/<int:pk>/learning/courses/new/", record_views.course_create, name="course_create"),
    path(
        "cases/<int:pk>/custody/accommodation-outcomes/new/",
        record_views.accommodation_outcome_create,
        name="accommodation_outcome_create",
    ),
    path(
        "cases/<int:pk>/custody/accommodation-outcomes/<int:accommodationoutcome_pk>/",
        record_views.accommodation_outcome_edit,
        name="accommodation_outcome_edit",
    ),
    path(
        "cases/<int:pk>/learning/courses/<int:course_pk>/",
        record_views.course_edit,
        name="course_edit",
    ),
]
