"""Fixed-window rate limits in the shared cache (vocapp.ratelimit).

The counters live in the real Redis of the test run; time is moved with time-machine (the window
is computed from ``time.time()``), so no test sleeps. A cache that is down makes the limit fail
open, with a warning in the log: the cache is pointed at a closed port to prove it.
"""

import json
import logging
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from tests.core.conftest import unreachable_cache
from vocapp.ratelimit import client_ip, rate_limit, rate_limited, take_hits
from vocapp.tenancy.services import create_api_key
from vocapp.tenancy.views.account import LOGIN_ATTEMPTS_PER_MINUTE

pytestmark = pytest.mark.django_db

# A minute boundary: the 60-second window opens exactly here.
WINDOW_START = datetime(2030, 1, 7, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def cache_down():
    """The default cache pointed at a port where nothing listens (connection refused)."""
    with override_settings(CACHES=unreachable_cache()):
        from django.core.cache import cache

        with pytest.raises(Exception, match="(?i)connect"):
            cache.get("anything")  # the control: the cache really is unreachable
        yield


def hello(request, name="world"):
    from django.http import HttpResponse

    return HttpResponse(f"hello {name}")


limited_hello = rate_limited(key=lambda request, **kw: client_ip(request), limit=2, window=60)(
    hello
)


def call(view, ip="10.0.0.1", **kwargs):
    return view(RequestFactory().get("/hello/", REMOTE_ADDR=ip), **kwargs)


# --- the helper ------------------------------------------------------------------------------


def test_it_allows_up_to_the_limit_then_answers_429_with_retry_after():
    with time_machine.travel(WINDOW_START + timedelta(seconds=10), tick=False):
        assert call(limited_hello).status_code == 200
        assert call(limited_hello).content == b"hello world"
        response = call(limited_hello)
    assert response.status_code == 429
    assert response["Retry-After"] == "51"  # 50 s left in the window, rounded up
    assert json.loads(response.content) == {
        "error": "throttled",
        "detail": "Too many requests; try again in 51 seconds.",
        "fields": {},
    }


def test_a_batch_gets_what_is_left_of_the_window_and_no_more():
    with time_machine.travel(WINDOW_START + timedelta(seconds=10), tick=False):
        assert take_hits("batch", 3, limit=5, window=60)[0] == 3
        granted, count, retry_after = take_hits("batch", 4, limit=5, window=60)
        assert (granted, count, retry_after) == (2, 7, 51)
        assert take_hits("batch", 1, limit=5, window=60)[0] == 0
        assert rate_limit("batch", limit=5, window=60).allowed is False
    with time_machine.travel(WINDOW_START + timedelta(seconds=60), tick=False):
        assert take_hits("batch", 9, limit=5, window=60)[0] == 5  # a new window


def test_a_batch_goes_through_when_the_cache_is_down(cache_down, caplog):
    with caplog.at_level(logging.WARNING, logger="vocapp.ratelimit"):
        assert take_hits("batch", 4, limit=1, window=60)[0] == 4
    assert "not enforced" in caplog.text


def test_it_counts_each_key_apart():
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(2):
            assert call(limited_hello, ip="10.0.0.1").status_code == 200
        assert call(limited_hello, ip="10.0.0.1").status_code == 429
        assert call(limited_hello, ip="10.0.0.2").status_code == 200
        # The key passed to the view (its name) is part of the counter's identity too.
        assert call(limited_hello, ip="10.0.0.1", name="x").status_code == 429


def test_it_counts_each_view_apart():
    def other(request):
        from django.http import HttpResponse

        return HttpResponse("other")

    limited_other = rate_limited(key=lambda request: client_ip(request), limit=2, window=60)(other)
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(3):
            call(limited_hello)
        assert call(limited_hello).status_code == 429
        assert call(limited_other).status_code == 200


def test_it_resets_the_count_when_the_window_ends():
    with time_machine.travel(WINDOW_START + timedelta(seconds=59), tick=False):
        results = [rate_limit("reset-me", limit=2, window=60) for _ in range(3)]
    assert [r.allowed for r in results] == [True, True, False]
    assert [r.count for r in results] == [1, 2, 3]
    assert results[-1].retry_after == 2
    with time_machine.travel(WINDOW_START + timedelta(seconds=60), tick=False):
        fresh = rate_limit("reset-me", limit=2, window=60)
    assert (fresh.allowed, fresh.count, fresh.retry_after) == (True, 1, 61)


def test_it_keeps_counting_within_a_short_window():
    with time_machine.travel(WINDOW_START, tick=False) as traveller:
        assert rate_limit("short", limit=1, window=5).allowed
        traveller.shift(4)
        assert not rate_limit("short", limit=1, window=5).allowed
        traveller.shift(1)
        assert rate_limit("short", limit=1, window=5).allowed


def test_it_fails_open_and_says_so_when_the_cache_is_down(cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="vocapp.ratelimit")
    responses = [call(limited_hello) for _ in range(5)]
    assert [r.status_code for r in responses] == [200] * 5
    records = [r for r in caplog.records if r.name == "vocapp.ratelimit"]
    assert len(records) == 5
    assert records[0].levelno == logging.WARNING
    assert "not enforced: the cache is unavailable" in records[0].getMessage()
    assert "hello" in records[0].getMessage()  # the counter's name says which limit
    assert records[0].exc_info is not None


# --- the login page --------------------------------------------------------------------------


WRONG_PASSWORD = "wrong password"  # noqa: S105


def login(client, email="admin@alpha.test", password=WRONG_PASSWORD, ip="10.1.1.1", **extra):
    return client.post(
        "/login/", {"username": email, "password": password}, REMOTE_ADDR=ip, **extra
    )


def test_it_rate_limits_sign_in_attempts_per_address(client, admin_a):
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
            assert login(client).status_code == 200  # the form again, with its error
        refused = login(client, password="correct horse battery")
        assert refused.status_code == 429
        assert refused["Retry-After"] == "61"
        assert "_auth_user_id" not in client.session  # even the right password waits
        # Another address is not held back by this one's attempts.
        assert login(client, password="correct horse battery", ip="10.2.2.2").status_code == 302


def test_it_ignores_a_forged_forwarded_for_header(client, admin_a):
    with time_machine.travel(WINDOW_START, tick=False):
        for number in range(LOGIN_ATTEMPTS_PER_MINUTE):
            login(client, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")
        assert login(client, HTTP_X_FORWARDED_FOR="192.0.2.200").status_code == 429


@override_settings(TRUST_X_FORWARDED_FOR=True)
def test_it_counts_by_the_forwarded_address_behind_a_trusted_proxy(client, admin_a):
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
            login(client, HTTP_X_FORWARDED_FOR="192.0.2.1, 10.0.0.1")
        assert login(client, HTTP_X_FORWARDED_FOR="192.0.2.1").status_code == 429
        assert login(client, HTTP_X_FORWARDED_FOR="192.0.2.2").status_code == 200


def test_it_lets_sign_in_again_in_the_next_minute(client, admin_a):
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
            login(client)
        assert login(client).status_code == 429
    with time_machine.travel(WINDOW_START + timedelta(minutes=1), tick=False):
        assert login(client, password="correct horse battery").status_code == 302


def test_it_does_not_count_showing_the_sign_in_page(client):
    with time_machine.travel(WINDOW_START, tick=False):
        for _ in range(LOGIN_ATTEMPTS_PER_MINUTE + 5):
            assert client.get("/login/", REMOTE_ADDR="10.1.1.1").status_code == 200
        assert login(client).status_code == 200


def test_it_still_signs_in_when_the_cache_is_down(client, admin_a, cache_down, caplog):
    caplog.set_level(logging.WARNING, logger="vocapp.ratelimit")
    assert login(client, password="correct horse battery").status_code == 302
    assert any("login:10.1.1.1" in r.getMessage() for r in caplog.records)


# --- API keys --------------------------------------------------------------------------------


def bearer(full_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {full_key}")
    return client


@override_settings(API_KEY_RATE_LIMIT=2)
def test_it_lets_an_api_key_through_again_in_the_next_minute(org_a):
    _key, full_key = create_api_key(None, org_a, name="busy", scopes=["read"])
    client = bearer(full_key)
    with time_machine.travel(WINDOW_START + timedelta(seconds=30), tick=False):
        assert [client.get("/api/v1/organization/").status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        throttled = client.get("/api/v1/organization/")
        assert throttled["Retry-After"] == "31"
        assert throttled.json()["error"] == "throttled"
    with time_machine.travel(WINDOW_START + timedelta(seconds=60), tick=False):
        assert client.get("/api/v1/organization/").status_code == 200


@override_settings(API_KEY_RATE_LIMIT=1)
def test_it_serves_api_keys_when_the_cache_is_down(org_a, cache_down, caplog):
    api_key, full_key = create_api_key(None, org_a, name="k", scopes=["read"])
    caplog.set_level(logging.WARNING, logger="vocapp.ratelimit")
    client = bearer(full_key)
    assert [client.get("/api/v1/organization/").status_code for _ in range(3)] == [200] * 3
    assert any(f"api-key:{api_key.pk}" in r.getMessage() for r in caplog.records)
