"""Google Analytics 4 loaded by the banner itself, for services with a measurement ID
(installations.config.GA4_SERVICE).

The runtime's size budget has no room for this, and most banners do not need it, so the loader
puts it only into the answers of configurations that have a measurement ID: a prologue that adds
one blocked script per such service to the page, before the runtime starts. The runtime then
activates it like any blocked script of that service, i.e. only after consent and after Consent
Mode's default and update; `static/banner/ga4.js` configures and loads Google's tag and turns it
off again on withdrawal.
"""

from django.templatetags.static import static

from .script_json import script_json

# Minified by hand: it is part of every answer of such a configuration. `document.currentScript`
# is the loader's script, whose address is the base for the add-on's.
_PROLOGUE = (
    "(function(d,u,m){{var s=d.currentScript,h=d.head||d.documentElement;"
    "Object.keys(m).forEach(function(k){{var e=d.createElement('script');e.type='text/plain';"
    "e.setAttribute('data-consent',k);e.setAttribute('data-measurement-id',m[k]);"
    "e.src=new URL(u,s&&s.src||location.href).href;h.appendChild(e)}})}})"
    "(document,{url},{ids});\n"
)


def prologue(ids: dict[str, str]) -> str:
    """The script that precedes the runtime, or "" without measurement IDs. `ids` maps service
    ids to measurement IDs."""
    if not ids:
        return ""
    return _PROLOGUE.format(url=script_json(static("banner/ga4.js")), ids=script_json(ids))
