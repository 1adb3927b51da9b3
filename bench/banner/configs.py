"""The other banners' configurations, generated from our published configuration so that all
three show the same categories, services and German texts.

Each follows its library's documented set-up: vanilla-cookieconsent gets `CookieConsent.run`
with one preferences section per category (services listed, cookies in its cookie table);
klaro gets a `klaroConfig` with one purpose per category and one service per service, its texts
overridden in `translations.de`."""

import json
import re


def _js(value) -> str:
    return json.dumps(value, ensure_ascii=False, indent=1).replace("</", "<\\/")


def _texts(config: dict) -> dict:
    return config["texts"]["de"]


def _categories(config: dict) -> list[dict]:
    return [c for c in config["categories"] if not c["required"]]


def _service_text(service: dict) -> str:
    """Purpose, provider and transfer in one line, as the second layer states them."""
    parts = [service["purpose"]["de"]]
    if service["provider"]:
        parts.append(f"Anbieter: {service['provider']}")
    parts.append(service["transfer"]["de"])
    return " ".join(parts)


def vanilla_init(config: dict) -> str:
    texts = _texts(config)
    categories = {"necessary": {"enabled": True, "readOnly": True}}
    sections = [{"title": texts["title"], "description": texts["body"]}]
    for category in _categories(config):
        services = [s for s in config["services"] if s["category"] == category["id"]]
        categories[category["id"]] = {
            "services": {s["id"]: {"label": s["name"]} for s in services},
        }
        sections.append(
            {
                "title": category["label"]["de"],
                "description": " ".join(
                    [category["description"]["de"]]
                    + [f"{s['name']}: {_service_text(s)}" for s in services]
                ),
                "linkedCategory": category["id"],
                "cookieTable": {
                    "headers": {"name": "Name", "service": "Dienst", "lifetime": "Speicherdauer"},
                    "body": [
                        {"name": c["name"], "service": s["name"], "lifetime": c["lifetime"]["de"]}
                        for s in services
                        for c in s["cookies"] + s["storage"]
                    ],
                },
            }
        )
    footer = (
        f'<a href="{texts["privacy_url"]}">{texts["privacy_label"]}</a>'
        f'<a href="{texts["imprint_url"]}">{texts["imprint_label"]}</a>'
    )
    settings = {
        # Its default hides the banner from automated browsers such as this benchmark's.
        "hideFromBots": False,
        "cookie": {"expiresAfterDays": config["lifetime_days"]},
        "guiOptions": {"consentModal": {"layout": "bar", "position": "bottom"}},
        "categories": categories,
        "language": {
            "default": "de",
            "translations": {
                "de": {
                    "consentModal": {
                        "title": texts["title"],
                        "description": texts["body"],
                        "acceptAllBtn": texts["accept_all"],
                        "acceptNecessaryBtn": texts["reject_all"],
                        "showPreferencesBtn": texts["settings"],
                        "footer": footer,
                    },
                    "preferencesModal": {
                        "title": texts["title"],
                        "acceptAllBtn": texts["accept_all"],
                        "acceptNecessaryBtn": texts["reject_all"],
                        "savePreferencesBtn": texts["save"],
                        "closeIconLabel": "Schließen",
                        "sections": sections,
                    },
                }
            },
        },
    }
    return f"CookieConsent.run({_js(settings)});\n"


def _cookie_pattern(name: str) -> str:
    return "^" + ".*".join(re.escape(part) for part in name.split("*")) + "$"


def klaro_config(config: dict) -> str:
    texts = _texts(config)
    translations = {
        "privacyPolicyUrl": texts["privacy_url"],
        "consentNotice": {
            "title": texts["title"],
            "description": texts["body"],
            "learnMore": texts["settings"],
        },
        "consentModal": {"title": texts["title"], "description": texts["body"]},
        "ok": texts["accept_all"],
        "acceptAll": texts["accept_all"],
        "decline": texts["reject_all"],
        "acceptSelected": texts["save"],
        "purposes": {
            c["id"]: {"title": c["label"]["de"], "description": c["description"]["de"]}
            for c in _categories(config)
        },
    }
    services = []
    cookies = {}
    for service in config["services"]:
        translations[service["id"]] = {
            "title": service["name"],
            "description": _service_text(service),
        }
        services.append(
            {
                "name": service["id"],
                "purposes": [service["category"]],
                "default": False,
                "required": False,
                "cookies": [],
            }
        )
        cookies[service["id"]] = [
            _cookie_pattern(c["name"]) if c["pattern"] else c["name"] for c in service["cookies"]
        ]
    settings = {
        "version": 1,
        "elementID": "klaro",
        "lang": "de",
        "htmlTexts": False,
        "groupByPurpose": True,
        "storageMethod": "cookie",
        "cookieExpiresAfterDays": config["lifetime_days"],
        "default": False,
        "mustConsent": False,
        "acceptAll": True,
        "hideDeclineAll": False,
        "hideLearnMore": False,
        "noticeAsModal": False,
        "translations": {"de": translations},
        "services": services,
    }
    # Patterns become regular expressions, which JSON cannot express.
    lines = [f"var klaroConfig = {_js(settings)};"]
    for i, service in enumerate(config["services"]):
        entries = ", ".join(
            f"/{name}/" if c["pattern"] else json.dumps(name)
            for c, name in zip(service["cookies"], cookies[service["id"]], strict=True)
        )
        lines.append(f"klaroConfig.services[{i}].cookies = [{entries}];")
    return "\n".join(lines) + "\n"
