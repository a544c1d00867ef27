"""Suite-wide fixtures: one sandbox process per test session (reset per test), the OpenAPI
contract check of every answer the sandbox gave and every request the hub sent, and a real
Chromium for browser tests."""

import os
import shutil
from pathlib import Path

import pytest
import requests

from tests.support import (
    SANDBOX_TOKEN,
    Sandbox,
    clear_redis_rate_counter,
    require_all,
    skip_or_fail,
    start_sandbox,
)

HUB_USER_AGENT_PREFIX = "xentral-hub/"


@pytest.fixture(autouse=True)
def _roomy_rate_budget(settings):
    """The suite's sandbox has no rate limit; budget tests set their own, smaller figures."""
    settings.XENTRAL_RATE_LIMIT = 1_000_000
    settings.XENTRAL_MAX_INLINE_WAIT_S = 0.5


@pytest.fixture(autouse=True)
def _fresh_rate_pacing(monkeypatch):
    """What Xentral said about its rate limit is per process; a test's 429 must not hold back
    the next test's calls."""
    from backoffice.xentral import client

    monkeypatch.setattr(client, "_pacing", client.Pacing())


@pytest.fixture(autouse=True)
def _fresh_redis_rate_counter(settings):
    """On Redis (CI's PostgreSQL pass) the shared rate counter outlives a test's rolled-back
    transaction, so one test's calls would count in the next test's window: start from zero,
    as the database counter does. Only this run's keys (each xdist worker has its own prefix)."""
    if settings.Q2_REDIS_URL:
        clear_redis_rate_counter(settings.Q2_REDIS_URL)


@pytest.fixture(scope="session")
def sandbox_server():
    proc, url = start_sandbox("--rate-limit", "off", "--token", SANDBOX_TOKEN)
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def sandbox(sandbox_server, settings, request) -> Sandbox:
    """A clean sandbox, and the hub's settings pointing at it. After the test, every answer
    the sandbox gave, and every request the hub's client sent, is checked against Xentral's
    OpenAPI documents; `no_contract` tests send off-document requests on purpose, so only
    their answers are checked."""
    from tests.contract import get_contract

    contract = get_contract()
    if contract is None and require_all():
        pytest.fail(f"HUB_REQUIRE_ALL=1 but no OpenAPI documents at {settings.XENTRAL_OPENAPI_DIR}")
    control = Sandbox(sandbox_server)
    control.reset()
    control.cleared = []  # the previous test's entries were checked in its own teardown
    settings.XENTRAL_URL = sandbox_server
    settings.XENTRAL_TOKEN = SANDBOX_TOKEN
    yield control
    if contract is None:
        return  # tests/test_contract.py skips for this (and fails under HUB_REQUIRE_ALL)
    try:
        entries = control.every_request()
    except requests.RequestException:
        return
    check_requests = not request.node.get_closest_marker("no_contract")
    problems = off_contract(contract, entries, check_requests=check_requests)
    assert not problems, "exchanges off the Xentral OpenAPI documents:\n" + "\n".join(problems[:20])


def off_contract(contract, entries: list[dict], *, check_requests: bool = True) -> list[str]:
    """Every answer in the log against the documents, and the requests the hub sent."""
    problems = []
    for entry in entries:
        agent = entry.get("headers", {}).get("User-Agent", "")
        if check_requests and agent.startswith(HUB_USER_AGENT_PREFIX):
            operation = contract.operation(entry["method"], entry["path"])
            name = getattr(operation, "name", f"{entry['method']} {entry['path']}")
            problems += [f"{name}: {p}" for p in contract.violations(entry)]
        problems += contract.answer_violations(entry)
    return list(dict.fromkeys(problems))


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright (no browser download)."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        skip_or_fail("chromium is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("playwright is not installed")
    # Playwright's sync API runs an event loop in this thread; the ORM calls the test makes
    # alongside it are still plain synchronous calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture(scope="session")
def openapi_dir() -> Path:
    from django.conf import settings

    return Path(settings.XENTRAL_OPENAPI_DIR)
