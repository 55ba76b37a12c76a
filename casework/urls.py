from django.urls import path

from casework import views

app_name = "casework"

urlpatterns = [
    path("", views.caseload, name="caseload"),
    path("people/", views.person_search, name="person_search"),
    path("people/new/", views.person_create, name="person_create"),
    path("people/<int:pk>/", views.person_detail, name="person_detail"),
    path("people/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_pk>/cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
]
