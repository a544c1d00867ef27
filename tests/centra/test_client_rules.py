"""The Centra client's own rules, apart from any server: Retry-After in its three forms, and the
request and mutation buckets counted on the hub's side."""

import email.utils

import pytest

from connectors.centra.buckets import bucket_reserve, bucket_usage
from connectors.centra.client import retry_after_seconds

NOW = 1_800_000_000.0


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        (str(int(NOW) + 12), 12.0),
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (str(int(NOW) - 5), 0.0),
        ("soon", None),
        (None, None),
    ],
    ids=["seconds", "zero", "epoch", "http-date", "epoch-past", "garbage", "absent"],
)
def test_retry_after_is_read_in_any_form_centra_may_send(header, seconds):
    assert retry_after_seconds(header, now=NOW) == seconds


@pytest.mark.django_db
def test_mutations_stop_at_their_bucket_and_count_as_requests(settings):
    settings.CENTRA_MUTATIONS_PER_10S = 2
    settings.CENTRA_REQUESTS_PER_10S = 3
    start = 1_800_000_000.0  # a window boundary (divisible by 10 and by 3600 minus 1200)

    granted = [bucket_reserve("env", mutation=True, now=start + 1) for _ in range(3)]
    query = bucket_reserve("env", mutation=False, now=start + 2)
    full = bucket_reserve("env", mutation=False, now=start + 3)
    next_window = bucket_reserve("env", mutation=True, now=start + 10)

    assert granted[:2] == [0.0, 0.0]
    assert granted[2] == pytest.approx(9.001)
    assert query == 0.0
    assert full == pytest.approx(7.001)
    assert next_window == 0.0
    assert bucket_usage("env", now=start + 10) == {
        "request/10s": 1,
        "request/3600s": 4,
        "mutation/10s": 1,
        "mutation/3600s": 3,
    }
    assert bucket_usage("other", now=start + 10)["request/3600s"] == 0
