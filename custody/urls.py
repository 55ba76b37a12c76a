from django.urls import path

from custody import scan_item_views, views

app_name = "custody"

urlpatterns = [
    path("custody/", views.worklist, name="worklist"),
    path("custody/freshstart/", views.freshstart_list, name="freshstart_list"),
    path("custody/markers/ending/", views.markers_expiring, name="markers_expiring"),
    path("custody/freshstart/this-week/", views.freshstart_week, name="freshstart_week"),
    path(
        "custody/people/<int:person_pk>/claim-closure/new/",
        views.closure_create,
        name="closure_create",
    ),
    path("custody/claim-closures/<int:pk>/", views.closure_detail, name="closure_detail"),
    path("custody/claim-closures/<int:pk>/edit/", views.closure_edit, name="closure_edit"),
    path("custody/claim-closures/<int:pk>/chases/new/", views.chase_create, name="chase_create"),
    path("custody/closure-chases/<int:pk>/edit/", views.chase_edit, name="chase_edit"),
    path("custody/people/<int:person_pk>/markers/new/", views.marker_set, name="marker_set"),
    path("custody/markers/<int:pk>/end/", views.marker_end, name="marker_end"),
    path(
        "custody/people/<int:person_pk>/pre-release-advice/new/",
        views.advice_create,
        name="advice_create",
    ),
    path(
        "custody/people/<int:person_pk>/freshstart/new/",
        views.freshstart_book,
        name="freshstart_book",
    ),
    path(
        "custody/freshstart/<int:pk>/attendance/",
        views.freshstart_attendance,
        name="freshstart_attendance",
    ),
    path(
        "custody/people/<int:person_pk>/benefit-claim/new/", views.claim_create, name="claim_create"
    ),
    path("custody/benefit-claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("custody/scans/", views.scan_upload, name="scan_upload"),
    path("custody/scans/<int:pk>/", views.scan_detail, name="scan_detail"),
    path("custody/scans/<int:pk>/progress/", views.scan_progress, name="scan_progress"),
    path("custody/scan-items/", scan_item_views.item_list, name="scan_items"),
    path("custody/scan-items/<int:pk>/", scan_item_views.item_detail, name="scan_item_detail"),
    path(
        "custody/scan-items/<int:pk>/dismiss/",
        scan_item_views.item_dismiss,
        name="scan_item_dismiss",
    ),
    path(
        "custody/scan-items/<int:pk>/add-person/",
        scan_item_views.item_add_person,
        name="scan_item_add_person",
    ),
]
