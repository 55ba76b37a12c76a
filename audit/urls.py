from django.urls import path

from audit import views

app_name = "audit"

urlpatterns = [
    path("people/<int:pk>/access-log/", views.person_access_log, name="person_access_log"),
    path("access-log/", views.user_access, name="user_access"),
    path("people/<int:pk>/subject-access/", views.subject_access, name="subject_access"),
]
