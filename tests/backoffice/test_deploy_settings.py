"""A deploy (DEBUG=False) must name its own secrets: the settings refuse to load without them, so
neither gunicorn (which runs no checks) nor `check --deploy` passes with the repository's key."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.support import ROOT

SECRETS = ("SECRET_KEY", "XENTRAL_TOKEN")
# Set by the browser fixture for Playwright in this process; a deploy never has it.
NOT_INHERITED = (*SECRETS, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", SECRETS)
def test_check_deploy_fails_without_an_explicit_secret(missing):
    present = {name: "x" * 60 for name in SECRETS if name != missing}
    result = manage("check", "--deploy", DEBUG="False", **present)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set in the environment when DEBUG is False" in result.stderr


def test_the_wsgi_application_refuses_to_load_without_a_secret_key():
    environment = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    environment.update(DEBUG="False", XENTRAL_TOKEN="t")
    result = subprocess.run(
        [sys.executable, "-c", "import backoffice.wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_check_deploy_is_clean_with_the_secrets_named():
    environment = {
        "DEBUG": "False",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "XENTRAL_TOKEN": "token",
        "ALLOWED_HOSTS": "hub.example.com",
    }
    result = manage("check", "--deploy", "--fail-level", "WARNING", **environment)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_local_use_needs_no_secrets():
    result = manage("check")
    assert result.returncode == 0, result.stderr
