from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("agency/", views.choose_agency, name="choose"),
    path("no-agency/", views.no_agency, name="no_agency"),
]
