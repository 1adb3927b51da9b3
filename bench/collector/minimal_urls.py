"""Baseline (b): the plain view of plain_urls.py as the only URL, behind no middleware."""

from django.urls import path

from .plain_urls import consent

urlpatterns = [path("plain/<str:public_key>/consent", consent)]
