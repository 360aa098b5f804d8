"""The XSS walk: hostile text typed into every form and sent through the API is shown escaped.

How it works
------------
1. Forms. For every tenant page of the walk (``tests.walk.TENANT_PAGES``, enumerated from the
   resolver) that an admin of A may open, the page is fetched and its forms are parsed
   (``html.parser``). Each form with a text-like field is submitted the way a browser would
   (selected options, checked boxes, pre-filled values) with every text, search, tel, url input
   and textarea set to ``PAYLOAD`` plus a tag naming the field, and email inputs set to a valid
   address whose quoted local part carries the payload. A field the server refuses is set back
   to the value the page had, or to ``VALID_VALUES``, and the form is sent again until accepted.
2. API. Every create route of the router (and the PATCH of each plain API path) gets a body built
   from the OpenAPI schema: every string property carries the payload; a property the API refuses
   is dropped, or set from ``API_VALID_VALUES`` when required; ``API_EXTRA_FIELDS`` adds nested
   strings the schema cannot describe (attribute values...).
3. Then every page of the walk is fetched (as each role allowed, and the public pages) and:
   the raw ``<script>alert(1)</script>`` appears in no body, no page carries inline code, and each
   accepted form's or created object's tag does appear escaped where it is shown — the form's
   page or the page it redirected to, or ``API_LIST_PAGES[basename]`` — so the test cannot pass by
   saving nothing.

Extending it (later issues)
---------------------------
- A new page is walked as soon as tests/walk.py classifies it (and gives it a sample object).
- A field whose format the payload cannot meet and whose page shows no valid value: add
  ``VALID_VALUES[(url name, field name)]`` (or ``VALID_VALUES[field name]``).
- A form whose saved text is displayed on no page of the walk: ``NOT_DISPLAYED[url name]`` with
  the reason; a GET form (search, filter) is only checked on its own answer.
- A new API resource: ``API_LIST_PAGES[basename]`` (a URL name, or ``f(world, created) -> url``),
  and if it needs them ``API_VALID_VALUES[(basename, field)]`` / ``API_EXTRA_FIELDS[basename]``;
  an unclassified create route fails ``test_it_shows_text_sent_through_the_api_escaped``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.forms import BaseForm, BaseFormSet
from django.urls import resolve, reverse
from django.utils.html import escape
from drf_spectacular.generators import SchemaGenerator

from surveys.policy_forms import BLANK_RULE_ROWS
from tests.core.conftest import Form, body_text, inline_code, parse_forms
from tests.walk import (
    API_PLAIN,
    TENANT_PAGES,
    World,
    api_routes,
    public_entries,
    roles_with,
    tenant_entries,
    url_for,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
PAYLOAD = f"{SCRIPT}\"'"
# A valid address (RFC 5322 quoted local part) that still carries the script.
EMAIL_PAYLOAD = f'"{SCRIPT}"@example.com'

TEXT_TYPES = {"text", "search", "textarea", "tel", "url"}

# (url name, field) or field -> a valid value for a field the payload cannot fill.
VALID_VALUES: dict[Any, Any] = {
    ("contacts:attributes", "name"): "xss_attribute",
    "scopes": ["read"],
    # Listening rules and campaigns: channels in order of preference (two different ones).
    "channels_0": "email",
    "channels_1": "sms",
    # Delivery policy: a fatigue rule's number of days (its empty rows offer none).
    **{("surveys:delivery_policy", f"fatigue-{row}-days"): "90" for row in range(BLANK_RULE_ROWS)},
    # Settings → Channels: a Twilio SID and token, a sender number, a test SMS recipient.
    ("surveys:channels", "account-account_sid"): "AC" + "f" * 32,
    ("surveys:channels", "account-auth_token"): "0123456789abcdef0123456789abcdef",
    ("surveys:channels", "sender-number"): "+33612345670",
    ("surveys:channels", "test-to"): "+33698765432",
}

# url name (of the page holding the form, or of the URL it posts to) -> why the text a form
# saves is shown on no page of the walk.
NOT_DISPLAYED: dict[str, str] = {
    "surveys:channel_test_sms": "sends one SMS to the number typed and saves nothing; the "
    "number must be a phone number, so the payload never gets through",
    "surveys:preview": "the respondent's form in the editor's preview cannot be sent (its button "
    "is disabled, it has no CSRF token): answers given in a preview are never recorded",
}

# Router basename -> URL name of the page listing the objects (or f(world, created) -> url).
API_LIST_PAGES: dict[str, str | Callable[[World, dict], str]] = {
    "contact": lambda world, created: reverse(
        "contacts:detail", kwargs={"org_slug": world.org.slug, "pk": created["id"]}
    ),
    "contact-attribute": "contacts:attributes",
    "segment": "contacts:segments",
    "persona": "journeys:personas",
    "journey": lambda world, created: reverse(
        "journeys:map", kwargs={"org_slug": world.org.slug, "pk": created["id"]}
    ),
    "stage": lambda world, created: reverse(
        "journeys:map", kwargs={"org_slug": world.org.slug, "pk": created["journey"]}
    ),
    "touchpoint": lambda world, created: reverse(
        "journeys:touchpoint", kwargs={"org_slug": world.org.slug, "pk": created["id"]}
    ),
    "survey": lambda world, created: reverse(
        "surveys:edit", kwargs={"org_slug": world.org.slug, "pk": created["id"]}
    ),
    "listening-rule": "surveys:rules",
    "campaign": "surveys:campaigns",
    # The touchpoint's invitations page names each decision's interaction by its external_id.
    "interaction": lambda world, created: reverse(
        "surveys:touchpoint_invitations",
        kwargs={"org_slug": world.org.slug, "pk": world.get("touchpoint").pk},
    ),
}

# basename -> why the objects of a create route carry no free text (only ids, choices, numbers):
# they are created, and their list page checked, but no text of theirs is looked for.
API_NO_TEXT: dict[str, str] = {
    "listening-rule": "a rule is a touchpoint, a survey, a segment, channels (choices) and "
    "numbers: no property takes free text",
}

# (basename or plain URL name, property) -> f(world, text) for a required field the payload
# cannot fill (the text is the tagged payload: put it inside when the field has room for it).
API_VALID_VALUES: dict[tuple[str, str], Callable[[World, str], Any]] = {
    ("contact-attribute", "name"): lambda world, text: "xss_api_attribute",
    ("segment", "conditions"): lambda world, text: [
        {"attribute": "first_name", "op": "contains", "value": text}
    ],
    ("stage", "journey"): lambda world, text: world.get("journey").pk,
    ("interaction", "touchpoint"): lambda world, text: world.get("touchpoint").pk,
    ("interaction", "occurred_at"): lambda world, text: "2026-01-05T10:00:00+01:00",
    ("interaction", "contact"): lambda world, text: {
        "external_id": "xss-interaction-contact",
        "first_name": text[:100],
    },
    ("touchpoint", "stage"): lambda world, text: world.get("stage").pk,
    ("survey", "questions"): lambda world, text: [
        {"kind": "nps", "texts": {"en": text}},
        {
            "kind": "single",
            "texts": {"en": "Which?"},
            "choices": [
                {"key": "a", "texts": {"en": text}},
                {"key": "b", "texts": {"en": "Another"}},
            ],
        },
    ],
    ("listening-rule", "touchpoint"): lambda world, text: world.get("touchpoint").pk,
    ("listening-rule", "survey"): lambda world, text: world.get("survey").pk,
    ("listening-rule", "channels"): lambda world, text: ["sms", "email"],
    ("campaign", "survey"): lambda world, text: world.get("survey").pk,
    ("campaign", "channels"): lambda world, text: ["email"],
    ("campaign", "starts_on"): lambda world, text: "2030-01-15",
}

# basename -> f(world, text) -> extra properties with nested strings.
API_EXTRA_FIELDS: dict[str, Callable[[World, str], dict]] = {
    "contact": lambda world, text: {
        "attributes": {world.get("attribute").name: text},
        "email": EMAIL_PAYLOAD,
    },
    # The survey's texts are per language ({"en": ...}): the schema types them as objects.
    "survey": lambda world, text: {"intro": {"en": text, "fr": text}, "thank_you": {"en": text}},
}


def tagged(tag: str) -> str:
    return f"{PAYLOAD}{tag}"


def email_payload(tag: str) -> str:
    return f'"{SCRIPT}{tag}"@example.com'


def assert_no_raw_payload(where: str, response) -> str:
    text = body_text(response)
    assert SCRIPT not in text, f"{where}: the payload is in the answer unescaped"
    assert SCRIPT.lower() not in text.lower(), f"{where}: the payload is in the answer unescaped"
    return text


# --- forms -----------------------------------------------------------------------------------


@dataclass
class Submission:
    page: str  # url name of the page holding the form
    url: str
    method: str
    shown: list[str] = field(default_factory=list)  # the saved texts, as escaped by Django
    accepted: bool = False
    landed: str | None = None  # the body of the page it redirected to
    answer: str = ""


def posted_to(submission: Submission) -> str:
    """The url name of the URL the form was sent to."""
    return resolve(urlsplit(submission.url).path).view_name


def text_fields(form: Form):
    return [f for f in form.fields if f.type in TEXT_TYPES or f.type == "email"]


def browser_data(form: Form, counter: list[int]):
    """What a browser sends, with the payload in every text-like field, and for each such field
    the text it should show once escaped."""
    data: dict[str, list] = {}
    shown: dict[str, str] = {}
    for item in form.fields:
        if item.type in ("submit", "button", "reset", "image", "file", "password"):
            continue
        if item.type in ("checkbox", "radio"):
            if item.checked:
                data.setdefault(item.name, []).append(item.value or "on")
            continue
        if item.tag == "select":
            chosen = [value for value, selected in item.options if selected]
            if not chosen and item.options and not item.multiple:
                chosen = [item.options[0][0]]
            data.setdefault(item.name, []).extend(chosen)
            continue
        if item.type in TEXT_TYPES or item.type == "email":
            counter[0] += 1
            tag = f"#{counter[0]}"
            text = tagged(tag) if item.type in TEXT_TYPES else email_payload(tag)
            shown.setdefault(item.name, escape(text))
            data.setdefault(item.name, []).append(text)
        else:  # hidden, number, time, color, date...: what the page holds
            data.setdefault(item.name, []).append(item.value)
    return data, shown


def errored_fields(response, form: Form) -> list[str] | None:
    """HTML names of the fields the server refused (Django forms and formsets in the context),
    if known."""
    if response.context is None:
        return None
    names = []
    html_names = {f.name for f in form.fields}
    for key in response.context.keys():  # noqa: SIM118 (iterating a ContextList gives contexts)
        value = response.context[key]
        for django_form in value.forms if isinstance(value, BaseFormSet) else [value]:
            if not isinstance(django_form, BaseForm) or not django_form.errors:
                continue
            for name in django_form.errors:
                if name == "__all__":
                    continue
                html_name = django_form.add_prefix(name)
                if html_name in html_names:
                    names.append(html_name)
                else:  # a MultiWidget: its subwidgets are <name>_0, <name>_1...
                    names.extend(sorted(n for n in html_names if is_subwidget(n, html_name)))
    return list(dict.fromkeys(names))


def is_subwidget(name: str, html_name: str) -> bool:
    return name.startswith(f"{html_name}_") and name[len(html_name) + 1 :].isdigit()


def fallback(page: str, form: Form, name: str):
    """A valid value for field ``name``: VALID_VALUES, else what the page had in it."""
    for key in ((page, name), name):
        if key in VALID_VALUES:
            value = VALID_VALUES[key]
            return value if isinstance(value, list) else [value]
    same = [f for f in form.fields if f.name == name]
    if any(f.type == "email" for f in same):
        return ["xss-fallback@example.com"]
    if any(f.tag == "select" for f in same):  # what a person picks: the first real option
        return [next((v for f in same for v, _ in f.options if v), "")][:1]
    return [f.value for f in same if f.type != "checkbox"]


def submit(client, page: str, page_url: str, form: Form, counter: list[int]) -> Submission:
    url = form.action or page_url
    data, shown = browser_data(form, counter)
    submission = Submission(page, url, form.method, shown=list(shown.values()))
    if form.method == "get":
        response = client.get(url, data)
        submission.answer = assert_no_raw_payload(f"GET {url} (form of {page})", response)
        return submission
    for hx_url in form.hx_posts:
        # What htmx sends while the form is filled in (live previews...).
        response = client.post(hx_url, data)
        assert response.status_code < 500, f"POST {hx_url} -> {response.status_code}"
        assert_no_raw_payload(f"POST {hx_url} (htmx of {page})", response)
    restored: set[str] = set()
    candidates = [f.name for f in reversed(text_fields(form))]
    while True:
        response = client.post(url, data)
        answer = assert_no_raw_payload(f"POST {url} (form of {page})", response)
        if response.status_code in (301, 302, 303):
            submission.accepted = True
            landed = client.get(response["Location"])
            submission.landed = assert_no_raw_payload(f"GET {response['Location']}", landed)
            break
        # After the redirects: a view that redirects may have rendered other templates (an SMS
        # body), which leaves a context that is not a page's.
        errors = errored_fields(response, form)
        if response.status_code == 200 and not errors:
            submission.accepted, submission.answer = True, answer
            break
        assert response.status_code < 500, f"POST {url} -> {response.status_code}"
        names = [n for n in errors or [] if n not in restored]
        if not names:
            # The view says no without naming a Django form field: give back one text field
            # at a time, last first, until it accepts.
            names = [n for n in candidates if n not in restored][:1]
        assert names, (
            f"POST {url} (form of {page}) refused even with valid values "
            f"({response.status_code}); add the field to VALID_VALUES: {answer[:3000]}"
        )
        for name in names:
            restored.add(name)
            data[name] = fallback(page, form, name)
            shown.pop(name, None)
    submission.shown = list(shown.values())
    return submission


def pages_of_the_walk(client, world: World) -> dict[str, str]:
    """Every page of the walk as each role that may read it, and every public page: url -> body."""
    bodies = {}
    for entry in tenant_entries():
        page = TENANT_PAGES[entry.name]
        if page.get is None:
            continue
        url = url_for(entry, world)
        for role in roles_with(page.get):
            client.force_login(world.member(role))
            response = client.get(url)
            assert response.status_code == 200, f"GET {url} as {role} -> {response.status_code}"
            text = assert_no_raw_payload(f"GET {url} as {role}", response)
            if page.html:
                assert inline_code(text) == [], f"{url}: {inline_code(text)}"
            bodies[f"{url} ({role})"] = text
    client.logout()
    for entry in public_entries():
        url = url_for(entry, world)
        response = client.get(url)
        bodies[f"{url} (anonymous)"] = assert_no_raw_payload(f"GET {url}", response)
    client.force_login(world.admin)
    return bodies


def test_it_shows_text_typed_into_every_form_escaped(world, client):
    client.force_login(world.admin)
    counter = [0]
    submissions = []
    for entry in tenant_entries():
        page = TENANT_PAGES[entry.name]
        if page.get is None or not page.html:
            continue
        page_url = url_for(entry, world)
        response = client.get(page_url)
        assert response.status_code == 200, page_url
        for form in parse_forms(body_text(response)):
            if text_fields(form):
                submissions.append(submit(client, entry.name, page_url, form, counter))
        client.force_login(world.admin)  # whatever a form did to the session

    posted = [s for s in submissions if s.method == "post"]
    refused = [s.url for s in posted if not s.accepted]
    assert not refused, f"forms never accepted: {refused}"
    assert len(posted) >= 5, [s.url for s in submissions]

    bodies = pages_of_the_walk(client, world)
    everything = "\n".join(bodies.values())
    missing = []
    for submission in posted:
        if submission.page in NOT_DISPLAYED or posted_to(submission) in NOT_DISPLAYED:
            continue
        places = [everything, submission.landed or ""]
        if not any(text in place for text in submission.shown for place in places):
            missing.append(f"{submission.page} ({submission.url}) texts {submission.shown}")
    assert not missing, (
        "Accepted forms whose text is shown escaped nowhere (saved nothing? shown "
        "differently?) — list them in NOT_DISPLAYED with the reason if that is right:\n"
        + "\n".join(missing)
    )
    # The reflected ones (search, filters) were checked on their own answer.
    searches = [s for s in submissions if s.method == "get"]
    assert all(s.shown[0] in s.answer for s in searches if s.shown), [s.url for s in searches]


def test_it_escapes_an_email_address_that_carries_the_payload(admin_a, client):
    """An invitation to a valid but hostile address shows it escaped on the members page."""
    client.force_login(admin_a)
    members = reverse("tenancy:members", kwargs={"org_slug": "alpha"})
    response = client.post(members, {"email": EMAIL_PAYLOAD, "role": "agent"})
    assert response.status_code == 302, body_text(response)[:2000]
    text = assert_no_raw_payload("members page", client.get(members))
    assert escape(EMAIL_PAYLOAD) in text


def test_the_checks_would_see_an_unescaped_payload(client, admin_a, org_a):
    """The control: a page printing the text raw fails, and the escaped text is recognised."""
    org_a.name = PAYLOAD
    org_a.save()
    client.force_login(admin_a)
    page = client.get(reverse("tenancy:home", kwargs={"org_slug": "alpha"}))
    assert escape(PAYLOAD) in body_text(page)
    page.content = body_text(page).replace(escape(PAYLOAD), PAYLOAD).encode()
    with pytest.raises(AssertionError, match="unescaped"):
        assert_no_raw_payload("a page printing it raw", page)


# --- API -------------------------------------------------------------------------------------


def openapi() -> dict:
    return SchemaGenerator().get_schema(request=None, public=True)


def resolve_ref(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def request_schema(schema: dict, path: str, method: str) -> dict:
    content = schema["paths"][path][method]["requestBody"]["content"]
    return resolve_ref(schema, content["application/json"]["schema"])


@dataclass
class ApiWrite:
    key: str  # router basename, or the URL name of a plain API path
    method: str
    path: str
    required: set
    body: dict = field(default_factory=dict)
    texts: dict = field(default_factory=dict)  # property -> tagged payload it carries
    replaced: set = field(default_factory=set)


def fill(write: ApiWrite, component: dict, schema: dict, world: World, counter: list[int]):
    """The tagged payload in every plain string property; API_VALID_VALUES and example values
    for the required others; then API_EXTRA_FIELDS."""

    def next_text():
        counter[0] += 1
        return tagged(f"#api{counter[0]}")

    for name, spec in component.get("properties", {}).items():
        spec = resolve_ref(schema, spec)
        if spec.get("readOnly"):
            continue
        if spec.get("type") == "string" and not spec.get("enum") and not spec.get("format"):
            write.texts[name] = write.body[name] = next_text()
        elif (write.key, name) in API_VALID_VALUES:
            text = next_text()
            write.body[name] = API_VALID_VALUES[(write.key, name)](world, text)
            write.replaced.add(name)
            if text in json.dumps(write.body[name]):
                write.texts[name] = text
        elif name in write.required:
            write.body[name] = example_value(spec)
    if write.key in API_EXTRA_FIELDS:
        text = next_text()
        write.body.update(API_EXTRA_FIELDS[write.key](world, text))
        write.texts["(extra)"] = text


def example_value(spec: dict):
    if "enum" in spec:
        return spec["enum"][0]
    kinds = {"integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}
    return kinds.get(spec.get("type"), "x")


def send(client, write: ApiWrite, world: World):
    """Send; replace (API_VALID_VALUES) or drop each property refused, until accepted."""
    while True:
        response = getattr(client, write.method)(write.path, write.body, format="json")
        # JSON may echo the text back: harmless as long as it is never served as HTML.
        assert response["Content-Type"].startswith("application/json"), response
        if response.status_code < 300:
            if write.key in API_NO_TEXT:
                assert not write.texts, f"{write.key} carries text: remove it from API_NO_TEXT"
            else:
                assert write.texts, f"{write.method.upper()} {write.path}: no text was kept"
            return response.json()
        label = f"{write.method.upper()} {write.path}"
        assert response.status_code == 400, f"{label} -> {response.content[:2000]}"
        fields = response.json()["fields"]
        refused = {name.split(".")[0] for name in fields} & set(write.body)
        assert refused, f"{label} refused {fields} without naming a property it was sent"
        for name in refused:
            make = API_VALID_VALUES.get((write.key, name))
            if make is not None and name not in write.replaced:
                write.replaced.add(name)
                write.body[name] = make(world, write.texts.get(name, PAYLOAD))
                if write.texts.get(name, "") not in json.dumps(write.body[name]):
                    write.texts.pop(name, None)
                continue
            assert write.method == "patch" or name not in write.required, (
                f"{label}: required property {name!r} refused ({fields}); "
                f"add API_VALID_VALUES[({write.key!r}, {name!r})]"
            )
            write.body.pop(name)
            write.texts.pop(name, None)


def test_it_shows_text_sent_through_the_api_escaped(world, client, api_client_for):
    api = api_client_for(world.org)
    schema = openapi()
    counter = [0]
    creates = [r for r in api_routes() if not r.detail and r.methods.get("post") == "create"]
    unclassified = sorted({r.basename for r in creates} - set(API_LIST_PAGES))
    assert not unclassified, (
        f"API create routes without a page listing their objects: {unclassified}; "
        "add them to API_LIST_PAGES in tests/core/test_xss_walk.py"
    )
    created = []  # (write, the created object as answered)
    for route in creates:
        path = reverse(route.name)
        component = request_schema(schema, path, "post")
        write = ApiWrite(route.basename, "post", path, set(component.get("required", [])))
        fill(write, component, schema, world, counter)
        created.append((write, send(api, write, world)))
    assert created
    for name in API_PLAIN:
        path = reverse(name)
        if "patch" in schema["paths"].get(path, {}):
            component = request_schema(schema, path, "patch")
            write = ApiWrite(name, "patch", path, set())
            fill(write, component, schema, world, counter)
            send(api, write, world)

    bodies = pages_of_the_walk(client, world)
    missing = []
    for write, answer in created:
        target = API_LIST_PAGES[write.key]
        if callable(target):
            url = target(world, answer)
        else:
            url = reverse(target, kwargs={"org_slug": world.org.slug})
        response = client.get(url)
        assert response.status_code == 200, url
        text = assert_no_raw_payload(f"GET {url}", response)
        if write.key in API_NO_TEXT:
            continue
        if not any(escape(value) in text for value in write.texts.values()):
            missing.append(f"{write.key}: none of {sorted(write.texts.values())} on {url}")
    assert not missing, "\n".join(missing)
    # The organization renamed through the API: its name is escaped on every page.
    home = reverse("tenancy:home", kwargs={"org_slug": world.org.slug})
    assert escape(PAYLOAD) in bodies[f"{home} (agent)"]
