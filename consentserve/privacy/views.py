from django.shortcuts import render
from django.utils.translation import get_language

from .policy import policy_version


def policy_page(request, number=None):
    version = policy_version(number)
    return render(
        request,
        "privacy/policy_page.html",
        {"version": version, "policy_html": version.html(get_language())},
    )
