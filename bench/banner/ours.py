"""The exact response body of `GET /c/KEY.js` for the benchmark's reference configuration.

Run by bench/banner/run.py in its own process, against a freshly migrated SQLite database in a
temporary CONSENTSERVE_VAR_DIR: it creates an installation through the model and the publishing
service (structural check and compliance linter included), publishes it and fetches the loader
through Django's test client, so the bytes are those a visitor gets.

Usage: python bench/banner/ours.py OUT_DIR DOMAIN (the host name of the page)
Writes OUT_DIR/loader.js (the body) and OUT_DIR/config.json (the published configuration, from
which the other banners' configurations are generated, so all three show the same texts).
"""

import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

# Three categories besides the necessary one, four services, one from each of them at least.
SERVICES = ("google-analytics-4", "google-maps", "youtube", "meta-pixel")


def reference_draft() -> dict:
    from consentserve.installations.catalog import catalog_get, catalog_service_to_config
    from consentserve.installations.config import default_draft

    draft = default_draft()
    # German only: the other banners are given German texts only, too.
    draft["languages"] = ["de"]
    draft["texts"] = {"de": draft["texts"]["de"]}
    draft["texts"]["de"]["privacy_url"] = "https://www.example.com/datenschutz"
    draft["texts"]["de"]["imprint_url"] = "https://www.example.com/impressum"
    catalog = catalog_get()
    draft["services"] = [catalog_service_to_config(catalog.get(s)) for s in SERVICES]
    return draft


def main() -> None:
    out, site = Path(sys.argv[1]), sys.argv[2]
    import django

    django.setup()
    from django.test import Client

    from consentserve.accounts.models import Organisation
    from consentserve.installations import services
    from consentserve.installations.models import Domain, Installation

    organisation = Organisation.objects.create(
        name="Beispiel GmbH", street="Weg 1", postcode="10115", city="Berlin", country="DE"
    )
    installation = Installation(
        organisation=organisation, name="Benchmark", draft=reference_draft()
    )
    installation.full_clean()
    installation.save()
    domain = Domain(installation=installation, pattern=site)
    domain.full_clean()
    domain.save()
    version = services.publish_by_operator(installation)
    response = Client().get(f"/c/{installation.public_key}.js", HTTP_HOST="127.0.0.1")
    assert response.status_code == 200, response.status_code
    out.mkdir(parents=True, exist_ok=True)
    (out / "loader.js").write_bytes(response.content)
    (out / "config.json").write_text(json.dumps(version.config, ensure_ascii=False, indent=1))
    print(installation.public_key)


if __name__ == "__main__":
    main()
