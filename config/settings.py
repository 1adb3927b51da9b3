"""Settings, read from the environment only here.

`CONSENTSERVE_ENV` selects the mode: `development` (default: SQLite under var/, mail to files,
DEBUG on) or `production` (refuses to start with insecure settings, see `_refuse_insecure`).
Every variable is documented in docs/configuration.md.
"""

import os
import re
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
MODE = env.str("CONSENTSERVE_ENV", default="development")
if MODE not in {"development", "production", "test"}:
    raise ImproperlyConfigured(
        f"CONSENTSERVE_ENV must be development, production or test, not {MODE!r}"
    )
PRODUCTION = MODE == "production"

VAR_DIR = Path(env.str("CONSENTSERVE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

_DEV_SECRET = "development-only-secret-key-never-used-in-production"  # noqa: S105
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="" if PRODUCTION else _DEV_SECRET)
DEBUG = env.bool("DJANGO_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)


def _refuse_insecure() -> None:
    """Production must never run with a guessable key, debug pages or an open Host header."""
    problems = []
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET or len(SECRET_KEY) < 32:
        problems.append("DJANGO_SECRET_KEY must be set to a random value of at least 32 characters")
    if DEBUG:
        problems.append("DJANGO_DEBUG must be off")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        problems.append("DJANGO_ALLOWED_HOSTS must list the host names this site answers to")
    if not env.list("CONSENTSERVE_ENCRYPTION_KEYS", default=[]):
        problems.append("CONSENTSERVE_ENCRYPTION_KEYS must hold a Fernet key for payment details")
    if problems:
        raise ImproperlyConfigured("Refusing to start in production: " + "; ".join(problems))


if PRODUCTION:
    _refuse_insecure()

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "csp",
    "django_countries",
    "huey.contrib.djhuey",
    # Templates and translations are found app by app in this order: accounts comes before
    # allauth so that its pages, in the site's look and formal German, replace allauth's.
    "consentserve.accounts",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "consentserve.analytics",
    "consentserve.api",
    "consentserve.audit",
    "consentserve.banner",
    "consentserve.core",
    "consentserve.billing",
    "consentserve.collector",
    "consentserve.demo",
    "consentserve.installations",
    "consentserve.portal",
    "consentserve.privacy",
    "consentserve.scanner",
    "consentserve.website",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "consentserve.privacy.access_log.AccessLogMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "consentserve.core.locale_middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Staff: a second factor before the back office, and 30 minutes idle at most.
    "consentserve.accounts.staff_security.StaffSecurityMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "consentserve.core.csp.CSPMiddleware",
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# --- sign-in (django-allauth): e-mail only, verified before the first sign-in ----------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGIN_URL = "account_login"
# One form asks for exactly what the policy names for registration (R-B3-1).
ACCOUNT_FORMS = {"signup": "consentserve.accounts.forms.RegistrationForm"}
# One address per person, changed by verifying the new one (self-service rectification, R-B3-7).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "CONSENTserve: "
ACCOUNT_LOGOUT_REDIRECT_URL = "website:home"
# Counted per client address and per account; limits on failed sign-ins also cover the second
# factor (allauth counts wrong codes per user under "login_failed"). The per-account count of
# failed sign-ins is per account and client network together (AccountAdapter), so nobody can
# lock another person out.
ACCOUNT_ADAPTER = "consentserve.accounts.adapters.AccountAdapter"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
# TOTP secrets and recovery-code seeds are encrypted at rest like payment details (R-G-3).
MFA_ADAPTER = "consentserve.accounts.adapters.MFAAdapter"
MFA_TOTP_ISSUER = "CONSENTserve"
# The secret being set up is kept in the session encrypted, not in clear (accounts/totp_setup.py).
MFA_FORMS = {"activate_totp": "consentserve.accounts.totp_setup.EncryptedSecretActivateTOTPForm"}
# The session cookie lives at most two weeks, as the policy's cookie table says (R-C1-2).
SESSION_COOKIE_AGE = 14 * 24 * 3600
# Rate-limit counters and spent TOTP codes live in the cache, which therefore must be shared by
# every worker process and, with several machines, by every machine: Redis when
# CONSENTSERVE_REDIS_URL is set, otherwise a file cache under VAR_DIR that needs no extra
# service (one machine only). The test suite uses caches that keep nothing, so no counter leaks
# from one test into the next or between test runs on one machine; tests of rate limits switch a
# real cache on. Above MAX_ENTRIES the file cache drops a third of its entries at random,
# counters included, so it is far above Django's 300. The limits of forms, pages and the API
# (core/ratelimit.py) count in the "ratelimit" cache: Redis, which counts atomically, when it
# is configured; otherwise the database's (its table is made by core's migration), shared by
# every process and server. `CONSENTSERVE_RATELIMIT_CACHE` names another alias where a
# deployment has one.
REDIS_URL = env.str("CONSENTSERVE_REDIS_URL", default="")
if MODE == "test":
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "ratelimit": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
    }
elif REDIS_URL:
    _redis = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "consentserve",
    }
    CACHES = {"default": _redis, "ratelimit": {**_redis, "KEY_PREFIX": "consentserve-limit"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            "OPTIONS": {"MAX_ENTRIES": 10_000},
        },
        "ratelimit": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "consentserve_ratelimit",
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        },
    }
# Seconds within which a request (headers and body) must arrive whole (core/read_timeout.py).
CONSENTSERVE_READ_TIMEOUT = env.float("CONSENTSERVE_READ_TIMEOUT", default=20.0)
CONSENTSERVE_RATELIMIT_CACHE = env.str("CONSENTSERVE_RATELIMIT_CACHE", default="ratelimit")
ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "consentserve.website.context.site",
                "consentserve.analytics.context.analytics",
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
# SQLite in WAL mode is the embedded default; PostgreSQL through DATABASE_URL.
_SQLITE_DEFAULT = f"sqlite:///{VAR_DIR / 'consentserve.sqlite3'}"
DATABASES = {"default": env.db_url("DATABASE_URL", default=_SQLITE_DEFAULT)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            # IMMEDIATE avoids "database is locked" upgrades from read to write locks.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
            ),
        }
    )
else:
    # No persistent connections: under ASGI every request runs in a thread of its own, and a
    # connection kept per thread multiplies into hundreds (Django's docs advise 0 there).
    # Connections come from psycopg's pool instead, at most CONSENTSERVE_DB_POOL_MAX per
    # process; with several machines PgBouncer in transaction mode sits in front
    # (docs/operations.md) and the pool is switched off (CONSENTSERVE_DB_POOL_MAX=0).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # Behind PgBouncer in transaction mode a connection belongs to a server connection only for
    # one transaction: no pool in the process, no prepared statements, no server-side cursors.
    _pgbouncer = env.bool("CONSENTSERVE_DB_PGBOUNCER", default=False)
    _pool_max = 0 if _pgbouncer else env.int("CONSENTSERVE_DB_POOL_MAX", default=10)
    if _pgbouncer:
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = None
        DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
    if _pool_max > 0:
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": min(2, _pool_max),
            "max_size": _pool_max,
            # A request waits this long for a free connection, then fails with a clear 503.
            "timeout": env.float("CONSENTSERVE_DB_POOL_TIMEOUT", default=10.0),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- i18n -----------------------------------------------------------------------------------
LANGUAGE_CODE = "de"
LANGUAGES = [("de", _("German")), ("en", _("English"))]
# Each app keeps its own catalogue in <app>/locale (found by Django without LOCALE_PATHS).
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Europe/Berlin"
# Our own English date formats (config/formats/en): day before month, 24-hour clock.
FORMAT_MODULE_PATH = ["config.formats"]
# The language cookie is set only by the explicit language switch (R-C1-3); 12 months at most.
LANGUAGE_COOKIE_NAME = "django_language"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- static files ---------------------------------------------------------------------------
STATIC_URL = "/static/"
# Under VAR_DIR by default; the image collects them at build into a directory of its own
# (CONSENTSERVE_STATIC_ROOT), so that the volume mounted at VAR_DIR does not hide them.
STATIC_ROOT = Path(env.str("CONSENTSERVE_STATIC_ROOT", default=str(VAR_DIR / "static")))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns about a missing root
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Consent exports (consentserve/api/export_jobs.py): gzipped files, deleted after 7 days.
    # Any Django storage serves; S3-compatible object storage through django-storages is
    # not set up yet (docs/api.md).
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "exports"), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# --- transport security ---------------------------------------------------------------------
# TLS is on when the server terminates it (consentserve serve --cert/--key sets this) or when a
# proxy in front does and names itself through CONSENTSERVE_PROXY_SSL_HEADER.
TLS = env.bool("CONSENTSERVE_TLS", default=PRODUCTION)
_proxy_header = env.str("CONSENTSERVE_PROXY_SSL_HEADER", default="")
if _proxy_header:
    # Only the configured header is trusted, e.g. "X-Forwarded-Proto".
    SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_header.upper().replace("-", "_"), "https")
SECURE_SSL_REDIRECT = TLS
SECURE_HSTS_SECONDS = 31536000 if TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = TLS
# Preloading is optional (R-G-2) and hard to undo: the operator opts in by submitting the
# domain; until then Django's reminder is silenced.
SECURE_HSTS_PRELOAD = env.bool("CONSENTSERVE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# Checks an operator has decided to live with for now, e.g. website.W001 (imprint facts).
SILENCED_SYSTEM_CHECKS += env.list("DJANGO_SILENCED_SYSTEM_CHECKS", default=[])
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = TLS
CSRF_COOKIE_SECURE = TLS
LANGUAGE_COOKIE_SECURE = TLS
# The __Host- prefix binds the cookie to this exact host over TLS (R-C1-2).
SESSION_COOKIE_NAME = "__Host-sessionid" if TLS else "sessionid"
CSRF_COOKIE_NAME = "__Host-csrftoken" if TLS else "csrftoken"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# The token protects one form; it need not outlive the browser session.
CSRF_COOKIE_AGE = None
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
# A clear page that says what happened and what to do, in the visitor's language.
CSRF_FAILURE_VIEW = "consentserve.website.views.csrf_failure"
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# The Google Analytics 4 measurement ID ("G-…") of the website's own banner: when set, the banner
# loads Google's tag after consent to it, the policy's section on Google Analytics describes it
# and the CSP admits Google's hosts (core/csp.py); empty (the default): the website loads
# nothing from Google.
CONSENTSERVE_GA4_MEASUREMENT_ID = env.str("CONSENTSERVE_GA4_MEASUREMENT_ID", default="")
if CONSENTSERVE_GA4_MEASUREMENT_ID and not re.fullmatch(
    r"G-[A-Z0-9]{4,20}", CONSENTSERVE_GA4_MEASUREMENT_ID
):
    raise ImproperlyConfigured("CONSENTSERVE_GA4_MEASUREMENT_ID must look like G-ABC123XYZ")
# The GA4 property (numeric ID) behind that measurement ID and, optionally, its account, read by
# `manage.py privacy_check_ga4` through Google's Admin API with an OAuth access token (scope
# analytics.readonly) to prove the retention and sharing settings the policy promises (R-C2-3).
CONSENTSERVE_GA4_PROPERTY = env.str("CONSENTSERVE_GA4_PROPERTY", default="")
CONSENTSERVE_GA4_ACCOUNT = env.str("CONSENTSERVE_GA4_ACCOUNT", default="")
CONSENTSERVE_GA4_ADMIN_API = env.str(
    "CONSENTSERVE_GA4_ADMIN_API", default="https://analyticsadmin.googleapis.com"
)
CONSENTSERVE_GA4_ADMIN_TOKEN = env.str("CONSENTSERVE_GA4_ADMIN_TOKEN", default="")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- mail -----------------------------------------------------------------------------------
# Mail goes to files under var/mail unless an SMTP server is configured.
EMAIL_BACKEND = env.str(
    "DJANGO_EMAIL_BACKEND",
    default="django.core.mail.backends.smtp.EmailBackend"
    if env.str("CONSENTSERVE_SMTP_HOST", default="")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
EMAIL_HOST = env.str("CONSENTSERVE_SMTP_HOST", default="localhost")
EMAIL_PORT = env.int("CONSENTSERVE_SMTP_PORT", default=25)
EMAIL_HOST_USER = env.str("CONSENTSERVE_SMTP_USER", default="")
EMAIL_HOST_PASSWORD = env.str("CONSENTSERVE_SMTP_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("CONSENTSERVE_SMTP_STARTTLS", default=False)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str(
    "CONSENTSERVE_FROM_EMAIL", default="CONSENTserve <info@consentserve.com>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where quote requests are announced to the operator.
CONSENTSERVE_OPERATOR_EMAIL = env.str(
    "CONSENTSERVE_OPERATOR_EMAIL", default="info@consentserve.com"
)
# The public key of the website's own banner installation, which `manage.py
# installations_operator_banner` creates under exactly this key (generated keys are 16
# characters, so this one cannot be taken by a customer). Empty: the website shows no banner.
CONSENTSERVE_OPERATOR_INSTALLATION = env.str(
    "CONSENTSERVE_OPERATOR_INSTALLATION", default="consentserve"
)
# The seller printed on every invoice (§ 14(4) UStG) and named in its e-invoice XML; copied onto
# each invoice when it is issued. The VAT ID and the SEPA creditor ID are placeholders until set.
CONSENTSERVE_SELLER = {
    "name": env.str("CONSENTSERVE_SELLER_NAME", default="Multimedia Internet Services GmbH"),
    "street": env.str("CONSENTSERVE_SELLER_STREET", default="Raßdorfer Straße 11"),
    "postcode": env.str("CONSENTSERVE_SELLER_POSTCODE", default="36208"),
    "city": env.str("CONSENTSERVE_SELLER_CITY", default="Wildeck-Bosserode"),
    "country": env.str("CONSENTSERVE_SELLER_COUNTRY", default="DE"),
    "vat_id": env.str("CONSENTSERVE_SELLER_VAT_ID", default="DE000000000"),
    "email": env.str("CONSENTSERVE_SELLER_EMAIL", default="info@consentserve.com"),
    "creditor_id": env.str("CONSENTSERVE_SEPA_CREDITOR_ID", default="DE98ZZZ09999999999"),
    # The account the direct debits are paid into (placeholders: a documented example account).
    "iban": env.str("CONSENTSERVE_SEPA_CREDITOR_IBAN", default="DE02120300000000202051"),
    "bic": env.str("CONSENTSERVE_SEPA_CREDITOR_BIC", default="BYLADEM1001"),
}
# Days between the invoice date and the direct debit, printed on the invoice.
CONSENTSERVE_INVOICE_DUE_DAYS = env.int("CONSENTSERVE_INVOICE_DUE_DAYS", default=14)

# --- task queue -----------------------------------------------------------------------------
# huey with its embedded SQLite store by default; Redis when CONSENTSERVE_REDIS_URL is set.
HUEY = {
    "name": "consentserve",
    "immediate": False,
    "utc": True,
    "consumer": {"workers": 2, "worker_type": "thread", "periodic": True},
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(VAR_DIR / "tasks.sqlite3")})

# Tables whose rows no backup keeps (`manage backup_sqlite` empties them in the copy): the access
# log lives 7 days and must not outlive them in a backup (R-B1-4, docs/retention.md).
BACKUP_EXCLUDED_TABLES = ("privacy_accesslogentry",)

# --- CONSENTserve ---------------------------------------------------------------------------
# "thread": a background writer per process; "manual": tests drain the queue themselves.
CONSENTSERVE_ACCESS_LOG = env.str("CONSENTSERVE_ACCESS_LOG", default="thread")
CONSENTSERVE_RETENTION_BATCH = env.int("CONSENTSERVE_RETENTION_BATCH", default=5000)
# Where links in mails sent outside a request (privacy-request verification) point to; in
# production the first allowed host over HTTPS unless set.
CONSENTSERVE_SITE_URL = env.str(
    "CONSENTSERVE_SITE_URL",
    default=f"https://{ALLOWED_HOSTS[0]}" if PRODUCTION else "http://127.0.0.1:8000",
)
# The mail intake for privacy requests (`manage.py privacy_mail_intake`, R-H-1): the SMTP
# listener and the addresses it accepts mail for (the privacy address and info@).
CONSENTSERVE_MAIL_INTAKE_HOST = env.str("CONSENTSERVE_MAIL_INTAKE_HOST", default="127.0.0.1")
CONSENTSERVE_MAIL_INTAKE_PORT = env.int("CONSENTSERVE_MAIL_INTAKE_PORT", default=2525)
CONSENTSERVE_MAIL_INTAKE_ADDRESSES = env.list(
    "CONSENTSERVE_MAIL_INTAKE_ADDRESSES",
    default=["datenschutz@consentserve.com", "info@consentserve.com"],
)
# The consent collector (consentserve/collector/README.md): queue bound per process, largest
# group per commit, how long the writer waits for a group to fill, decisions per minute per
# truncated IP and per process (0: no limit), and how long an installation's published data
# are cached.
CONSENTSERVE_COLLECTOR_QUEUE = env.int("CONSENTSERVE_COLLECTOR_QUEUE", default=10_000)
CONSENTSERVE_COLLECTOR_GROUP = env.int("CONSENTSERVE_COLLECTOR_GROUP", default=500)
CONSENTSERVE_COLLECTOR_WAIT_MS = env.float("CONSENTSERVE_COLLECTOR_WAIT_MS", default=2.0)
CONSENTSERVE_COLLECTOR_RATE = env.int("CONSENTSERVE_COLLECTOR_RATE", default=30)
CONSENTSERVE_COLLECTOR_CACHE_SECONDS = env.float("CONSENTSERVE_COLLECTOR_CACHE_SECONDS", default=5)
# FULL: a commit of consent records waits for the disk (one fsync per group); NORMAL survives
# a killed process but not a power loss (docs/adr/0004).
CONSENTSERVE_COLLECTOR_SQLITE_SYNC = env.str("CONSENTSERVE_COLLECTOR_SQLITE_SYNC", default="FULL")
# First-party analytics (consentserve/analytics/README.md): whether the operator's own website
# and portal carry the tracker (it runs only after consent to statistics), and the ingest's
# queue bound per process, largest group per commit and events per minute per truncated IP.
CONSENTSERVE_ANALYTICS_OPERATOR = env.bool("CONSENTSERVE_ANALYTICS_OPERATOR", default=True)
CONSENTSERVE_ANALYTICS_QUEUE = env.int("CONSENTSERVE_ANALYTICS_QUEUE", default=10_000)
CONSENTSERVE_ANALYTICS_GROUP = env.int("CONSENTSERVE_ANALYTICS_GROUP", default=500)
CONSENTSERVE_ANALYTICS_RATE = env.int("CONSENTSERVE_ANALYTICS_RATE", default=120)
# Fernet keys for payment details, newest first (docs/configuration.md). Development derives
# one from the development secret so `make run` needs no set-up; production must set its own.
_DEV_ENCRYPTION_KEY = "ZGV2ZWxvcG1lbnQtb25seS1rZXktbm90LWZvci1wcm8="  # noqa: S105
CONSENTSERVE_ENCRYPTION_KEYS = env.list(
    "CONSENTSERVE_ENCRYPTION_KEYS", default=[] if PRODUCTION else [_DEV_ENCRYPTION_KEY]
)

# --- logging: no personal data (no IPs, no user agents, no e-mail addresses) ----------------
# One JSON object a line with the request's ID (core/logs.py) in production, plain text while
# developing; CONSENTSERVE_LOG_FORMAT chooses either.
LOG_FORMAT = env.str("CONSENTSERVE_LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "consentserve.core.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "consentserve.core.logs.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("CONSENTSERVE_LOG_LEVEL", default="INFO")},
    "loggers": {
        # Django's request logger prints the path and, for 4xx, the client; we keep our own
        # access log under retention instead.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        "uvicorn.access": {"level": "WARNING"},
        # The task-queue consumer installs its own handler; propagating would print twice.
        "huey": {"level": "INFO", "propagate": False},
        # PDF rendering reports every layout step at INFO.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- metrics and error reports --------------------------------------------------------------
# prometheus-client's multi-process mode: every process of this machine writes its samples
# under this directory and /metrics adds them up (core/metrics.py). It must be set before
# prometheus_client is imported, which is why it is set here. The test suite counts in process.
if MODE != "test":
    _metrics_dir = Path(env.str("PROMETHEUS_MULTIPROC_DIR", default=str(VAR_DIR / "metrics")))
    _metrics_dir.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(_metrics_dir)
# Scrapers outside loopback and private networks must send this as a bearer token.
CONSENTSERVE_METRICS_TOKEN = env.str("CONSENTSERVE_METRICS_TOKEN", default="")
# Error reports (failed requests, failed jobs: every log line at ERROR) go to Sentry when a DSN
# is set, without personal data: no cookies, headers, bodies, user or client address.
SENTRY_DSN = env.str("CONSENTSERVE_SENTRY_DSN", default="")
if SENTRY_DSN:
    from consentserve.core.errors import sentry_init

    sentry_init(SENTRY_DSN, environment=MODE)
