from django.urls import path

from consent import views

app_name = "consent"

urlpatterns = [
    path("people/<int:pk>/consent/", views.consent_list, name="consent_list"),
    path("people/<int:pk>/consent/new/", views.consent_create, name="consent_create"),
    path("people/<int:pk>/consent/form.pdf", views.consent_form_pdf, name="consent_form_pdf"),
    path("people/<int:pk>/named-access/", views.restricted_access, name="restricted_access"),
    path("consents/<int:pk>/withdraw/", views.consent_withdraw, name="consent_withdraw"),
    path("cases/<int:pk>/share/", views.case_share, name="case_share"),
    path(
        "cases/<int:pk>/sharing/<int:involvement_pk>/end/",
        views.involvement_end,
        name="involvement_end",
    ),
    path(
        "involvements/<int:involvement_pk>/site/", views.involvement_site, name="involvement_site"
    ),
    path("restricted/", views.restricted_list, name="restricted_list"),
    path("emergency-access/", views.emergency_list, name="emergency_list"),
    path("emergency-access/new/", views.emergency_access_create, name="emergency_create"),
    path("emergency-access/<int:pk>/", views.emergency_review, name="emergency_review"),
]
