from django.urls import path

from . import views

app_name = "privacy-centre"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.json", views.export_json, name="export-json"),
    path("export.zip", views.export_zip, name="export-zip"),
    path("name/", views.name_update, name="name"),
    path("restriction/", views.restriction_create, name="restrict"),
    path("restriction/lift/", views.restriction_remove, name="lift"),
    path("objections/", views.objection_create, name="object"),
    path("consents/withdraw/", views.consent_remove, name="withdraw"),
    path("delete/", views.account_delete, name="delete"),
    path("deleted/", views.account_deleted, name="deleted"),
]
