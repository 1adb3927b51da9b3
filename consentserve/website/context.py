from django.conf import settings


def site(request):
    return {"site_languages": settings.LANGUAGES}
