from django.shortcuts import render
from django.utils.translation import get_language

from .policy import policy_version, policy_versions


def policy_page(request, number=None):
    """The privacy policy in force, or an earlier version exactly as it was published."""
    version = policy_version(number)
    versions = policy_versions()
    return render(
        request,
        "privacy/policy_page.html",
        {
            "version": version,
            "entry": next(v for v in versions if v.number == version.number),
            "versions": versions,
            "policy_html": version.html(get_language()),
        },
    )
