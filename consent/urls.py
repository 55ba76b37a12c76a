from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("people/<int:pk>/consent/", views.consent_list, name="consent_list"),
    path("people/<int:pk>/consent/new/", views.consent_create, name="consent_create"),
    path("people/<int:pk>/named-access/", views.restricted_access, name="restricted_access"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("cases/<int:pk>/share/", views.case_share, name="case_share"),
]
