from django.urls import path

from . import views

app_name = "portal"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
    path("o/<int:org_id>/", views.organisation, name="organisation"),
    path("o/<int:org_id>/installations/", views.installations, name="installations"),
    path("o/<int:org_id>/team/", views.team, name="team"),
    path("o/<int:org_id>/team/invite/", views.invitation_create, name="invitation-create"),
    path(
        "o/<int:org_id>/team/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation-revoke",
    ),
    path("o/<int:org_id>/team/<int:member_id>/role/", views.member_role, name="member-role"),
    path("o/<int:org_id>/team/<int:member_id>/remove/", views.member_remove, name="member-remove"),
    path("o/<int:org_id>/team/transfer/", views.ownership_transfer, name="ownership-transfer"),
    path("o/<int:org_id>/leave/", views.organisation_leave, name="organisation-leave"),
    path("o/<int:org_id>/account/", views.account, name="account"),
    path("o/<int:org_id>/payment/", views.payment_details, name="payment-details"),
    path(
        "o/<int:org_id>/payment/replace/",
        views.payment_details_replace,
        name="payment-details-replace",
    ),
    path("o/<int:org_id>/invoices/", views.invoices, name="invoices"),
]
