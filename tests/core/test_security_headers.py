"""Security headers: a Content-Security-Policy that allows only our own scripts, on every answer.

``script-src 'self'`` without ``'unsafe-inline'`` means an inline ``<script>`` or an ``onclick=``
attribute would be blocked by the browser, so none may exist: every template and static HTML file
is scanned for them, and so is every page of the walk (tests/walk.py) as rendered.
"""

from pathlib import Path

import pytest
from django.conf import settings

from tests.core.conftest import body_text, inline_code
from tests.walk import TENANT_PAGES, public_entries, tenant_entries, url_for

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)


def csp_directives(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


# Pages another page of the same site may frame, and why (every other page refuses framing).
FRAMEABLE_BY_THE_SITE = {
    "surveys:preview": "the survey editor shows the public survey page in a phone-sized frame",
}


def assert_strict_scripts(response, url_name=None):
    directives = csp_directives(response)
    assert directives.get("script-src") == ["'self'"], directives.get("script-src")
    assert directives.get("default-src") == ["'self'"]
    assert directives.get("object-src") == ["'none'"]
    framing = ["'self'"] if url_name in FRAMEABLE_BY_THE_SITE else ["'none'"]
    assert directives.get("frame-ancestors") == framing, url_name


def html_sources() -> list[Path]:
    """Every template and static HTML file of the project (not the installed packages)."""
    folders = [ROOT / "templates", ROOT / "static"]
    for app in ("vocapp", "journeys", "surveys", "alerts", "roi"):
        folders += [p for p in (ROOT / app).rglob("templates") if p.is_dir()]
    files = []
    for folder in folders:
        files += [p for p in folder.rglob("*") if p.suffix in (".html", ".htm", ".txt", ".svg")]
    return sorted(set(files))


def test_the_scanner_finds_inline_code():
    """The control: each kind of inline code is caught, the allowed forms are not."""
    bad = (
        "<script>alert(1)</script>"
        '<button onclick="go()">x</button>'
        "<body onload=go()>"
        '<div hx-on:click="go()"></div>'
        '<a href=" JavaScript:go()">x</a>'
        '<img src=x ONERROR="go()">'
    )
    assert len(inline_code(bad)) == 6
    good = (
        '<script src="/static/js/app.js" defer></script>'
        '<script id="data" type="application/json">{"a": 1}</script>'
        '<a href="/o/alpha/" data-confirm="Sure?" data-copy="#key">x</a>'
        '<option value="on">on</option>'
    )
    assert inline_code(good) == []


def test_no_template_or_static_html_has_inline_code():
    files = html_sources()
    assert ROOT / "templates" / "base.html" in files
    problems = []
    for path in files:
        for problem in inline_code(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)} {problem}")
    assert not problems, "\n".join(problems)


def test_every_tenant_page_of_the_walk_has_the_csp_and_no_inline_code(world, client):
    client.force_login(world.admin)
    checked, problems = [], []
    for entry in tenant_entries():
        page = TENANT_PAGES[entry.name]
        if page.get is None:
            continue
        url = url_for(entry, world)
        response = client.get(url)
        assert response.status_code == 200, url
        assert_strict_scripts(response, entry.name)
        if page.html:
            problems += [f"{url}: {p}" for p in inline_code(body_text(response))]
        checked.append(url)
    assert len(checked) >= 15
    assert not problems, "\n".join(problems)


def test_every_public_page_of_the_walk_has_the_csp_and_no_inline_code(world, client):
    checked, problems = [], []
    for entry in public_entries():
        if entry.name in ("logout", "set_language"):
            continue  # POST-only actions: they redirect
        url = url_for(entry, world)
        response = client.get(url)
        # (the logo of an organization without one is a 404: still an answer with the header)
        assert response.status_code < 500, f"{url} -> {response.status_code}"
        assert_strict_scripts(response)
        if response["Content-Type"].startswith("text/html"):
            problems += [f"{url}: {p}" for p in inline_code(body_text(response))]
        checked.append(url)
    assert "/login/" in checked and "/api/docs/" in checked
    assert not problems, "\n".join(problems)


def test_answers_other_than_pages_carry_the_csp_too(client, api_client_for, org_a, admin_a):
    """Errors and the API: a JSON or 404 answer rendered as HTML must not run scripts either."""
    assert_strict_scripts(client.get("/nothing-here/"))
    assert_strict_scripts(api_client_for(org_a).get("/api/v1/organization/"))
    assert_strict_scripts(client.get("/api/v1/organization/"))
    client.force_login(admin_a)
    forbidden = client.get("/o/beta/")
    assert forbidden.status_code == 404
    assert_strict_scripts(forbidden)


def test_pages_refuse_framing_and_sniffing(client, admin_a):
    client.force_login(admin_a)
    response = client.get("/o/alpha/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
