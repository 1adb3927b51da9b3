"""Production mode refuses insecure settings (issue: skeleton)."""

import os
import subprocess
import sys

import pytest

GOOD = {
    "CONSENTSERVE_ENV": "production",
    "DJANGO_SECRET_KEY": "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "consentserve.example",
    "DJANGO_DEBUG": "0",
    "CONSENTSERVE_ENCRYPTION_KEYS": "PpGVURvaManOf_KIYNjcYyyLUlSStFn6CEO7bkJCHQY=",
}


def _import_settings(tmp_path, **overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CONSENTSERVE_"))}
    env.update({**GOOD, "CONSENTSERVE_VAR_DIR": str(tmp_path), **overrides})
    env = {k: v for k, v in env.items() if v is not None}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_starts_with_secure_settings(tmp_path):
    assert _import_settings(tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"DJANGO_ALLOWED_HOSTS": "*"}, "DJANGO_ALLOWED_HOSTS"),
        ({"CONSENTSERVE_ENCRYPTION_KEYS": None}, "CONSENTSERVE_ENCRYPTION_KEYS"),
    ],
)
def test_production_refuses_insecure_settings(tmp_path, override, message):
    result = _import_settings(tmp_path, **override)
    assert result.returncode != 0
    assert "Refusing to start in production" in result.stderr
    assert message in result.stderr
