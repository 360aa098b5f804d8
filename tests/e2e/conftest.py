"""A browser for the end-to-end tests: one headless Chromium for the package (tests/browser.py),
and phone- and desktop-size pages whose relative URLs go to pytest-django's live server.
"""

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.browser import PHONE, launched_chromium

SCREENSHOTS = Path(settings.BASE_DIR) / "docs" / "screenshots"


@pytest.fixture(scope="package")
def chromium():
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def phone_page(chromium, live_server):
    """A phone-size page (375 px wide) whose relative URLs go to the live server."""
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshots_dir(tmp_path):
    """The README's screenshots are refreshed with ``VOC_REFRESH_SCREENSHOTS=1``; an ordinary run
    takes them into a temporary folder, so that `make test` leaves the checkout clean."""
    if os.environ.get("VOC_REFRESH_SCREENSHOTS") != "1":
        return tmp_path
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
