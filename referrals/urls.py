from django.urls import path

from referrals import views

app_name = "referrals"

urlpatterns = [
    path("referrals/", views.inbox, name="inbox"),
    path("referrals/provisions/", views.provision_list, name="provision_list"),
    path("referrals/<int:pk>/", views.referral_detail, name="detail"),
    path("referrals/<int:pk>/edit/", views.referral_edit, name="edit"),
    path("referrals/<int:pk>/check/", views.referral_check, name="check"),
    path("referrals/<int:pk>/<slug:action>/", views.referral_action, name="action"),
    path("cases/<int:case_pk>/referrals/new/", views.referral_create, name="create"),
]
