from django.urls import path

from agencies import views

app_name = "agencies"

urlpatterns = [
    path("agency/", views.choose_agency, name="choose"),
    path("no-agency/", views.no_agency, name="no_agency"),
    path("two-factor/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_everywhere"),
]
