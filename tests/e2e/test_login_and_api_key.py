"""A member of two organizations signs in, picks one, and creates an API key that works.

Runs on a phone-size screen (375 px): no page of the journey may need horizontal scrolling. Also
refreshes the README's screenshots (docs/screenshots/) when VOC_REFRESH_SCREENSHOTS=1.
"""

import io
import json
import re
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.browser import DESKTOP
from vocapp.tenancy.models import ApiKey, Membership, Organization, User
from vocapp.tenancy.roles import Role

pytestmark = pytest.mark.browser

KEY_NAME = "Shop back-office"


def assert_fits_phone_width(page):
    """No horizontal scrolling at 375 px: nothing sticks out of the viewport."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"{page.url} needs horizontal scrolling: {width} px wide at 375 px"


def call_api(url, key, method="GET", body=None):
    request = urllib.request.Request(  # noqa: S310  (the live server)
        url,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.fixture
def member_of_demo_and_another(transactional_db):
    """The demo admin (demo@example.com / demo), also an agent of a second organization."""
    call_command("seed_demo", stdout=io.StringIO())
    user = User.objects.get(email="demo@example.com")
    other = Organization.objects.create(name="Northwind Travel", slug="northwind")
    Membership.objects.create(organization=other, user=user, role=Role.AGENT)
    return user


def test_sign_in_pick_demo_and_create_a_working_api_key(
    phone_page, chromium, live_server, member_of_demo_and_another, screenshots_dir
):
    page = phone_page

    # Sign in with email and password.
    page.goto("/login/")
    assert_fits_phone_width(page)
    page.get_by_label("Email address").fill("Demo@Example.com")
    page.get_by_label("Password").fill("demo")
    page.get_by_role("button", name="Sign in").click()

    # Two organizations: the picker lists both; pick demo.
    expect(page.get_by_role("heading", name="Your organizations")).to_be_visible()
    assert_fits_phone_width(page)
    expect(page.get_by_role("link", name="Northwind Travel")).to_be_visible()
    page.get_by_role("link", name="Maison Demo").click()

    # The organization's home: its set-up checklist.
    expect(page).to_have_url(f"{live_server.url}/o/demo/")
    expect(page.get_by_role("heading", name="Getting set up")).to_be_visible()
    assert_fits_phone_width(page)
    page.screenshot(path=screenshots_dir / "checklist.png", full_page=True)

    # Settings -> API keys.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Settings").click()
    expect(page.get_by_role("heading", name="Settings", exact=True)).to_be_visible()
    assert_fits_phone_width(page)
    settings_tabs = page.get_by_role("navigation", name="Settings")
    settings_tabs.get_by_role("link", name="API keys").click()
    expect(page).to_have_url(f"{live_server.url}/o/demo/settings/api-keys/")
    expect(page.get_by_text("No key yet.")).to_be_visible()
    assert_fits_phone_width(page)

    # A read-only key named after what uses it.
    page.get_by_label("Name").fill(KEY_NAME)
    page.get_by_role("checkbox", name=re.compile(r"^ingest:")).uncheck()
    page.get_by_role("checkbox", name=re.compile(r"^read:")).check()
    page.get_by_role("button", name="Create the key").click()

    # The full key is shown once.
    expect(page.get_by_text("Copy it now: it is shown only once.")).to_be_visible()
    full_key = page.locator("#new-api-key").inner_text().strip()
    assert re.fullmatch(r"vk_[0-9a-f]{12}_[A-Za-z0-9_-]{40,}", full_key), full_key
    assert_fits_phone_width(page)
    prefix = full_key.split("_")[1]

    # Back on the list: the key is there by its prefix, its secret is gone.
    settings_tabs.get_by_role("link", name="API keys").click()
    expect(page.get_by_role("heading", name="New key")).to_be_visible()
    expect(page.get_by_text("Copy it now: it is shown only once.")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text=KEY_NAME)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(f"vk_{prefix}_…")
    expect(row).to_contain_text("read")
    assert full_key not in page.content()
    assert full_key.split("_", 2)[2] not in page.content()
    assert_fits_phone_width(page)
    stored = ApiKey.objects.unscoped().get(prefix=prefix)
    assert (stored.name, stored.scopes, stored.organization.slug) == (KEY_NAME, ["read"], "demo")

    # The key works: it reads its organization, and only reads (no admin scope).
    status, body = call_api(f"{live_server.url}/api/v1/organization/", full_key)
    assert status == 200, body
    assert body["slug"] == "demo"
    assert body["name"] == "Maison Demo"
    status, body = call_api(
        f"{live_server.url}/api/v1/organization/", full_key, "PATCH", {"name": "Renamed"}
    )
    assert status == 403, body

    # The README's desktop view of the API keys page, in the same session.
    desktop = chromium.new_context(
        viewport=DESKTOP, base_url=live_server.url, storage_state=page.context.storage_state()
    )
    try:
        desktop_page = desktop.new_page()
        desktop_page.goto("/o/demo/settings/api-keys/")
        expect(desktop_page.get_by_role("row").filter(has_text=KEY_NAME)).to_have_count(1)
        desktop_page.screenshot(path=screenshots_dir / "api-keys.png", full_page=True)
    finally:
        desktop.close()
    assert (screenshots_dir / "checklist.png").stat().st_size > 0
    assert (screenshots_dir / "api-keys.png").stat().st_size > 0
