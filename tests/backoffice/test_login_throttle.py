"""Admin login throttling: five failed logins for one username from one address lock that pair
out, so the sixth attempt is refused even with the right password; other addresses, other
users and logins made in code are not affected."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from tests.staff import staff_user

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
PASSWORD = "pw-123456"  # tests.staff's password


def _login(client, password: str, *, username: str = "staff", address: str = "10.0.0.1"):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_the_sixth_attempt_after_five_failures_is_refused_with_the_right_password(client):
    staff_user()

    failures = [_login(client, "wrong").status_code for _ in range(5)]
    sixth = _login(client, PASSWORD)

    assert failures == [200, 200, 200, 200, 429]
    assert sixth.status_code == 429
    assert "locked" in sixth.content.decode().lower()
    assert SESSION_KEY not in client.session


def test_the_lockout_is_per_username_and_address(client, django_user_model):
    staff_user()
    staff_user(username="other")
    for _ in range(5):
        _login(client, "wrong")

    other_address = _login(client, PASSWORD, address="10.0.0.2")
    client.logout()
    other_user = _login(client, PASSWORD, username="other")

    assert other_address.status_code == 302
    assert other_user.status_code == 302
    assert client.session[SESSION_KEY] == str(django_user_model.objects.get(username="other").pk)


def test_a_success_before_the_limit_starts_the_count_again(client):
    staff_user()
    for _ in range(4):
        _login(client, "wrong")
    assert _login(client, PASSWORD).status_code == 302
    client.logout()

    failures = [_login(client, "wrong").status_code for _ in range(4)]

    assert failures == [200, 200, 200, 200]
    assert _login(client, PASSWORD).status_code == 302


def test_the_limit_and_cool_off_come_from_the_settings(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    staff_user()

    assert [_login(client, "wrong").status_code for _ in range(2)] == [200, 429]
    assert _login(client, PASSWORD).status_code == 429


def test_logins_made_in_code_are_not_counted(client):
    staff_user()

    assert client.login(username="staff", password="wrong") is False
    assert client.login(username="staff", password=PASSWORD) is True
