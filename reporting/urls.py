from django.urls import path

from reporting import views

app_name = "reporting"

urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/targets/", views.target_list, name="target_list"),
    path("reports/<int:pk>/status/", views.report_status, name="report_status"),
    path("reports/<int:pk>/retry/", views.report_retry, name="report_retry"),
    path("reports/<int:pk>/rebuild/", views.report_rebuild, name="report_rebuild"),
    path(
        "reports/<int:pk>/versions/<int:number>/<str:file_format>/",
        views.report_version_download,
        name="report_version_download",
    ),
    path("reports/<int:pk>/<str:file_format>/", views.report_download, name="report_download"),
    path("post-exit-checks/", views.check_list, name="check_list"),
    path("cases/<int:case_pk>/reoffences/", views.reoffence_list, name="reoffence_list"),
    path(
        "post-exit-checks/reoffending/<int:pk>/",
        views.reoffending_check_record,
        name="reoffending_check_record",
    ),
    path(
        "post-exit-checks/employment/<int:pk>/",
        views.employment_check_record,
        name="employment_check_record",
    ),
]
