from django.urls import path

from . import views

app_name = "privacy-centre"
urlpatterns = [
    path("", views.overview, name="overview"),
]
