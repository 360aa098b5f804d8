"""Kiosk mode and kiosk devices: the open survey starts again for the next customer, devices get a
secret link (shown once, kept in an HttpOnly cookie, revocable), and answers are rate-limited per
device and per IP address so that a store's kiosk is not blocked by its own connection."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from surveys import open_surveys
from surveys.kiosks import COOKIE_NAME, digest_of
from surveys.models import KioskDevice
from surveys.views import open_survey as open_survey_views
from tests.browser import PHONE, launched_chromium
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .open_fixtures import answers_of, make_open_survey, make_touchpoint, open_url, responses_at

pytestmark = pytest.mark.django_db

STORE_IP = "203.0.113.7"


@pytest.fixture
def store_visit(org_a):
    return make_touchpoint(org_a)


@pytest.fixture
def counter_survey(store_visit):
    return make_open_survey(store_visit)


def devices_url(touchpoint):
    return reverse(
        "surveys:touchpoint_open_survey",
        kwargs={"org_slug": touchpoint.organization.slug, "pk": touchpoint.pk},
    )


def revoke_url(device):
    return reverse("surveys:kiosk_revoke", kwargs={"org_slug": "alpha", "pk": device.pk})


def devices_of(touchpoint):
    with organization_scope(touchpoint.organization):
        return list(KioskDevice.objects.filter(touchpoint=touchpoint))


def create_device(client, touchpoint, label="Tablet at the exit") -> str:
    """Create a device on the touchpoint's page; return its secret link, shown once."""
    page = client.post(devices_url(touchpoint), {"label": label})
    assert page.status_code == 200, page.content.decode()[:2000]
    found = re.search(r'id="new-device-link" class="secret">([^<]+)<', page.content.decode())
    assert found, "the new device's link is not shown"
    return found.group(1)


def path_of(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


@pytest.fixture
def device_link(client_as, manager_a, store_visit, counter_survey):
    link = create_device(client_as(manager_a), store_visit)
    client_as(manager_a).logout()
    return link


@pytest.fixture
def kiosk(client, device_link):
    """The store's tablet, after the device's link was opened on it once."""
    client.get(path_of(device_link), REMOTE_ADDR=STORE_IP)
    return client


def answer(client, touchpoint, query="", ip=STORE_IP, **data):
    url = open_url(touchpoint) + query
    return client.post(url, {f"q_{k}": v for k, v in data.items()}, REMOTE_ADDR=ip)


# --- devices -----------------------------------------------------------------------------------


def test_a_manager_creates_a_device_and_sees_its_link_once(
    client_as, manager_a, store_visit, counter_survey
):
    client = client_as(manager_a)
    link = create_device(client, store_visit)
    token = link.rsplit("device=", 1)[1]
    assert link.startswith("http") and f"/q/{store_visit.public_key}/?device=" in link
    [device] = devices_of(store_visit)
    assert device.label == "Tablet at the exit"
    assert device.token_digest == digest_of(token)  # only the digest is stored
    again = client.get(devices_url(store_visit))
    assert token not in again.content.decode()
    assert "Tablet at the exit" in again.content.decode()
    with organization_scope(store_visit.organization):
        assert AuditEvent.objects.filter(action="kiosk_device.created").count() == 1


def test_an_agent_cannot_create_or_revoke_a_device(client_as, agent_a, manager_a, store_visit):
    link = create_device(client_as(manager_a), store_visit)
    agent = client_as(agent_a)
    assert agent.post(devices_url(store_visit), {"label": "Mine"}).status_code == 403
    [device] = devices_of(store_visit)
    assert agent.post(revoke_url(device)).status_code == 403
    assert devices_of(store_visit)[0].revoked_at is None
    assert link


def test_a_device_needs_a_name(client_as, manager_a, store_visit):
    refused = client_as(manager_a).post(devices_url(store_visit), {"label": "   "})
    assert refused.status_code == 400
    assert devices_of(store_visit) == []


def test_the_device_link_moves_its_token_into_an_http_only_cookie(client, device_link, store_visit):
    opened = client.get(path_of(device_link))
    assert opened.status_code == 302
    assert opened["Location"] == open_url(store_visit)  # the token leaves the address bar
    cookie = opened.cookies[COOKIE_NAME]
    assert cookie.value == device_link.rsplit("device=", 1)[1]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert cookie["path"] == open_url(store_visit)


def test_a_wrong_or_foreign_device_token_is_refused(client, device_link, store_visit, org_b):
    wrong = client.get(open_url(store_visit, device="not-a-token"))
    assert wrong.status_code == 403
    assert "This kiosk link is not valid" in wrong.content.decode()
    assert COOKIE_NAME not in wrong.cookies
    # The token of A's device at another touchpoint's link does not work there.
    elsewhere = make_touchpoint(org_b, key="b-store")
    token = device_link.rsplit("device=", 1)[1]
    assert client.get(open_url(elsewhere, device=token)).status_code == 403


def test_a_kiosks_answers_are_credited_to_its_device(kiosk, store_visit):
    answer(kiosk, store_visit, nps="10")
    [response] = responses_at(store_visit)
    [device] = devices_of(store_visit)
    assert response.device == device and response.channel == "qr"
    assert device.last_used_at is not None


def test_a_revoked_device_is_no_longer_a_kiosk(manager_a, kiosk, store_visit):
    [device] = devices_of(store_visit)
    manager = Client()  # the manager's own browser; the tablet keeps its cookie
    manager.force_login(manager_a)
    revoked = manager.post(revoke_url(device))
    assert revoked.status_code == 302
    assert devices_of(store_visit)[0].revoked_at is not None
    page = answer(kiosk, store_visit, nps="8")
    assert page.status_code == 200
    assert responses_at(store_visit)[0].device is None
    assert page.cookies[COOKIE_NAME].value == ""  # the cookie is deleted
    assert "Next customer" not in page.content.decode()


def test_another_organizations_device_cannot_be_revoked(
    client_as, outsider, device_link, store_visit
):
    [device] = devices_of(store_visit)
    client = client_as(outsider)
    assert client.post(revoke_url(device)).status_code == 404
    beta = reverse("surveys:kiosk_revoke", kwargs={"org_slug": "beta", "pk": device.pk})
    assert client.post(beta).status_code == 404
    assert devices_of(store_visit)[0].revoked_at is None


# --- kiosk reset -------------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["device", "query"])
def test_after_the_thank_you_the_kiosk_starts_again_for_the_next_customer(
    client, device_link, store_visit, mode
):
    if mode == "device":
        client.get(path_of(device_link))
        query, next_url = "", open_url(store_visit)
    else:
        query, next_url = "?kiosk=1", open_url(store_visit, kiosk=1)
    thanks = answer(client, store_visit, query, nps="3", why="Queue too long")
    text = thanks.content.decode()
    assert "Thank you, see you soon!" in text
    assert 'data-kiosk-reset="10"' in text and f'data-kiosk-next="{next_url}"' in text
    assert f'href="{next_url}">Next customer</a>' in text
    assert "js/kiosk.js" in text
    # The next customer's page: nothing of the previous answers, a new response.
    fresh = client.get(next_url)
    fresh_text = fresh.content.decode()
    assert " checked" not in fresh_text and "Queue too long" not in fresh_text
    assert 'name="response" value=""' in fresh_text
    assert "data-kiosk-idle" in fresh_text
    answer(client, store_visit, query, nps="9")
    assert [answers_of(r) for r in responses_at(store_visit)] == [
        {"nps": 3, "why": "Queue too long"},
        {"nps": 9},
    ]


def test_a_kiosk_does_not_let_the_browser_fill_in_the_previous_customers_details(
    client, store_visit, counter_survey
):
    thanks = answer(client, store_visit, "?kiosk=1", nps="3")
    text = thanks.content.decode()
    assert 'name="email" maxlength="254" value="" autocomplete="off"' in text
    assert (
        f'action="{reverse("open_survey_contact", args=[store_visit.public_key])}?kiosk=1"' in text
    )


def test_a_phone_is_not_a_kiosk(client, store_visit, counter_survey):
    thanks = answer(client, store_visit, nps="3")
    assert "Next customer" not in thanks.content.decode()
    assert "data-kiosk" not in client.get(open_url(store_visit)).content.decode()


# --- rate limits -------------------------------------------------------------------------------


@pytest.fixture
def low_limits(monkeypatch):
    monkeypatch.setattr(open_surveys, "IP_LIMIT", 3)
    monkeypatch.setattr(open_surveys, "DEVICE_LIMIT", 5)


def test_answers_are_limited_per_ip_address(client, store_visit, counter_survey, low_limits):
    for _ in range(3):
        assert answer(client, store_visit, nps="9").status_code == 200
    refused = answer(client, store_visit, nps="9")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert "Too many answers at once" in refused.content.decode()
    one = client.post(open_url(store_visit), {"only": "nps", "q_nps": "9"}, REMOTE_ADDR=STORE_IP)
    assert one.status_code == 429 and one.json()["error"] == "throttled"
    assert len(responses_at(store_visit)) == 3
    # Another address is not affected.
    assert answer(client, store_visit, ip="198.51.100.1", nps="9").status_code == 200


def test_a_kiosk_is_not_blocked_by_its_own_ip_address(kiosk, store_visit, low_limits):
    phones = Client()
    for _ in range(3):  # the customers' phones on the store's Wi-Fi use up the IP's allowance
        assert answer(phones, store_visit, nps="7").status_code == 200
    assert answer(phones, store_visit, nps="7").status_code == 429
    for _ in range(5):  # the kiosk, same IP address, has its own, larger, allowance
        assert answer(kiosk, store_visit, nps="10").status_code == 200
    assert answer(kiosk, store_visit, nps="10").status_code == 429
    credited = [r for r in responses_at(store_visit) if r.device is not None]
    assert len(credited) == 5


def test_the_devices_allowance_is_larger_than_an_ip_addresss():
    assert open_surveys.DEVICE_LIMIT >= 10 * open_surveys.IP_LIMIT


def test_contact_details_count_against_the_same_allowance(
    client, store_visit, counter_survey, low_limits
):
    thanks = answer(client, store_visit, nps="2")
    key = re.search(r'name="details" value="([^"]+)"', thanks.content.decode()).group(1)
    url = reverse("open_survey_contact", args=[store_visit.public_key])
    for _ in range(2):
        client.post(url, {"details": key, "consent": "yes"}, REMOTE_ADDR=STORE_IP)
    refused = client.post(
        url, {"details": key, "email": "a@example.com", "consent": "yes"}, REMOTE_ADDR=STORE_IP
    )
    assert refused.status_code == 429
    assert responses_at(store_visit)[0].contact is None


# --- in a browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_in_a_browser_the_kiosk_resets_itself_after_the_thank_you(
    transactional_db, live_server, org_a, monkeypatch
):
    monkeypatch.setattr(open_survey_views, "KIOSK_RESET_SECONDS", 1)
    touchpoint = make_touchpoint(org_a)
    make_open_survey(touchpoint)
    with launched_chromium() as browser:
        context = browser.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(open_url(touchpoint, kiosk=1))
        page.locator("label.point", has_text="4").first.click()
        page.get_by_role("textbox").fill("The queue was too long")
        # "Send" at once, the score's own save perhaps still on its way: one response all the same.
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_text("Thank you, see you soon!").wait_for()
        # A second later the survey is back, blank, for the next customer.
        page.get_by_role("button", name="Send my answers").wait_for()
        assert page.locator("input:checked").count() == 0
        assert page.get_by_text("The queue was too long").count() == 0
        context.close()
    [response] = responses_at(touchpoint)
    assert answers_of(response) == {"nps": 4, "why": "The queue was too long"}
