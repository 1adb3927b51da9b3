"""Shared state on Redis (issue 17): with CONSENTSERVE_REDIS_URL set, Django's cache and the task
queue live in Redis, so the login limit and the spent TOTP codes hold across machines; unset,
the embedded defaults (file cache, SQLite task store) stay as they were."""

import os
import subprocess
import sys

import pytest
from django.core.cache import caches
from django.test import Client, override_settings
from huey import RedisHuey
from test_accounts_login import SECRET, customer, fresh_totp_code, sign_in, with_totp

pytestmark = pytest.mark.django_db

GOOD = {
    "CONSENTSERVE_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "consentserve.example",
    "DJANGO_DEBUG": "0",
    "CONSENTSERVE_ENCRYPTION_KEYS": "PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
}
SHOW = (
    "from django.conf import settings; import django; django.setup();"
    "from huey.contrib.djhuey import HUEY;"
    "print(settings.CACHES['default']['BACKEND']); print(type(HUEY).__name__)"
)


def _production(tmp_path, **extra) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    env.update({**GOOD, "CONSENTSERVE_VAR_DIR": str(tmp_path), **extra})
    env["DJANGO_SETTINGS_MODULE"] = "config.settings"
    return subprocess.run(
        [sys.executable, "-c", SHOW], env=env, capture_output=True, text=True, timeout=60
    )


def test_with_a_redis_url_the_cache_and_the_task_queue_use_redis(tmp_path, redis_url):
    result = _production(tmp_path, CONSENTSERVE_REDIS_URL=redis_url)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.core.cache.backends.redis.RedisCache", "RedisHuey"]


def test_without_a_redis_url_the_embedded_defaults_stay(tmp_path):
    result = _production(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "django.core.cache.backends.filebased.FileBasedCache",
        "SqliteHuey",
    ]


def test_every_command_runs_with_a_redis_url(tmp_path, redis_url):
    """The redis module is a dependency: commands no longer fail on import."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.pop("DATABASE_URL", None)
    env.update({**GOOD, "CONSENTSERVE_VAR_DIR": str(tmp_path), "CONSENTSERVE_REDIS_URL": redis_url})
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "consentserve"), "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def _redis_cache(url: str):
    # A fresh override opens fresh connections, as another machine would.
    return override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": url,
                "KEY_PREFIX": "consentserve",
            }
        }
    )


def test_login_limit_holds_across_machines_sharing_redis(redis_url):
    customer()
    with _redis_cache(redis_url):  # machine A
        for _ in range(3):
            sign_in(Client(), password="wrong-guess")
    caches.close_all()
    with _redis_cache(redis_url):  # machine B
        for _ in range(2):
            sign_in(Client(), password="wrong-guess")
        response = sign_in(Client())
    assert "Too many failed login attempts" in response.content.decode()


def test_a_totp_code_spent_on_one_machine_is_refused_on_the_other(redis_url):
    with_totp(customer())
    code = fresh_totp_code(SECRET)
    with _redis_cache(redis_url):  # machine A
        first = Client()
        sign_in(first)
        assert first.post("/en/account/2fa/authenticate/", {"code": code})["Location"] == (
            "/en/portal/"
        )
    caches.close_all()
    with _redis_cache(redis_url):  # machine B
        other = Client()
        sign_in(other)
        response = other.post("/en/account/2fa/authenticate/", {"code": code})
    assert "Incorrect code." in response.content.decode()


def test_without_redis_each_machine_would_count_alone(redis_url):
    """The control: two separate memory caches (two machines without Redis) let all ten
    attempts through, which is why several machines need CONSENTSERVE_REDIS_URL."""
    customer()
    for name in ("machine-a", "machine-b"):
        with override_settings(
            CACHES={
                "default": {
                    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
                    "LOCATION": name,
                }
            }
        ):
            for _ in range(4):
                sign_in(Client(), password="wrong-guess")
            response = sign_in(Client())
            assert response.status_code == 302  # not locked


def test_a_task_enqueued_on_one_machine_is_taken_by_a_worker_on_another(redis_url):
    web = RedisHuey("consentserve-test", url=redis_url)
    worker = RedisHuey("consentserve-test", url=redis_url)

    def add(a, b):
        return a + b

    # Both import the same task module, as every process of the product does.
    web_add, worker_add = web.task()(add), worker.task()(add)
    web_add(2, 3)
    assert worker.pending_count() == 1
    task = worker.dequeue()
    assert worker.execute(task) == 5
    assert worker_add.name == web_add.name
