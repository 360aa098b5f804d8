"""Every URL of the product walked as someone of another organization.

The URLs come from the resolver and the DRF router at run time (tests/walk.py): a page or endpoint
added by a later issue is walked without anyone remembering to, and one nobody classified fails
``test_it_classifies_every_url_pattern``.
"""

import json

import pytest
from django.contrib import admin as django_admin
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from tests.walk import (
    API_KINDS,
    API_PLAIN,
    MODEL_KINDS,
    OBJECT_KWARGS,
    PUBLIC,
    TENANT_PAGES,
    TENANT_ROUTE_PREFIX,
    NoSample,
    api_routes,
    classify,
    diff_snapshots,
    leaks,
    missing_pk,
    nest,
    public_entries,
    relation_fields,
    resolver_entries,
    roles_with,
    roles_without,
    same_message,
    serializer_for,
    snapshot_organization,
    tenant_entries,
    url_for,
)
from vocapp.tenancy.models import User
from vocapp.tenancy.roles import Role

pytestmark = pytest.mark.django_db


def post_data(url_kwargs: dict) -> dict:
    """A body that would act if a view let it through (rename, promote, opt out, ...)."""
    data = {
        "name": "taken over",
        "label": "taken over",
        "description": "taken over",
        "role": Role.ADMIN,
        "channel": "email",
        "email": "intruder@example.com",
        "scopes": ["admin"],
        "attribute": "first_name",
        "op": "contains",
        "value": "a",
        "map-0": "external_id",
    }
    if "pk" in url_kwargs:
        data[f"m{url_kwargs['pk']}-role"] = Role.ADMIN
    return data


def has_object_kwarg(entry) -> bool:
    return any(name in OBJECT_KWARGS for name in entry.kwarg_names)


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")
    return response.content.decode(errors="replace")


# --- classification ------------------------------------------------------------------------


def test_it_classifies_every_url_pattern():
    unclassified = [entry.label for entry in resolver_entries() if classify(entry) is None]
    assert not unclassified, (
        "These URL patterns are neither walked nor listed as public in tests/walk.py "
        "(TENANT_PAGES, PUBLIC, API_PLAIN, or a router route):\n  " + "\n  ".join(unclassified)
    )


def test_it_keeps_every_tenant_page_under_the_organization_slug():
    misplaced = [
        entry.label
        for entry in resolver_entries()
        if classify(entry) == "tenant" and not entry.route.startswith(TENANT_ROUTE_PREFIX)
    ]
    assert not misplaced, f"tenant pages outside /{TENANT_ROUTE_PREFIX}: {misplaced}"


def test_it_lists_no_page_that_does_not_exist():
    names = {entry.name for entry in resolver_entries()}
    stale = sorted((set(TENANT_PAGES) | set(PUBLIC) | set(API_PLAIN)) - names)
    assert not stale, f"tests/walk.py classifies URL names that no longer exist: {stale}"


def test_it_has_a_sample_for_every_url_argument(world):
    missing = []
    for entry in [*tenant_entries(), *public_entries()]:
        try:
            url_for(entry, world)
        except NoSample as error:
            missing.append(str(error))
    for route in api_routes():
        if route.detail and route.basename not in API_KINDS:
            missing.append(f"{route.name}: add {route.basename!r} to tests.walk.API_KINDS")
    assert not missing, "\n".join(missing)


# --- pages ---------------------------------------------------------------------------------


def test_it_serves_every_tenant_page_to_its_own_admin(world, client):
    """The control: the samples are real, so the 404s below mean 'another organization'."""
    client.force_login(world.admin)
    wrong = []
    for entry in tenant_entries():
        page = TENANT_PAGES[entry.name]
        if page.get is None:
            continue
        url = url_for(entry, world)
        response = client.get(url)
        if response.status_code != 200:
            wrong.append(f"GET {url} ({entry.name}) -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_it_answers_404_to_a_member_of_another_organization(world, client):
    before = snapshot_organization(world.org)
    client.force_login(world.outsider)
    wrong = []
    for entry in tenant_entries():
        url = url_for(entry, world)
        for method in ("get", "post"):
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, post_data(sample_pk(entry, world)))
            text = body_text(response)
            if response.status_code != 404 or leaks(text):
                wrong.append(f"{method.upper()} {url} ({entry.name}) -> {response.status_code}")
    assert not wrong, "An outsider (admin of B) reached A's pages:\n" + "\n".join(wrong)
    assert diff_snapshots(before, snapshot_organization(world.org)) == []
    assert mail.outbox == []


def test_it_answers_404_to_another_organizations_object_under_ones_own_slug(world, client):
    before = snapshot_organization(world.org)
    client.force_login(world.outsider)
    wrong, walked = [], 0
    for entry in tenant_entries():
        if not has_object_kwarg(entry):
            continue
        walked += 1
        # /o/beta/settings/teams/<team of A>/: B's own slug, A's object.
        url = url_for(entry, world, slug=world.other.slug)
        a_pk = world.get(OBJECT_KWARGS["pk"][entry.name]).pk
        for method in TENANT_PAGES[entry.name].methods():
            if method == "get":
                response = client.get(url)
            else:
                response = client.post(url, post_data({"pk": a_pk}))
            if response.status_code != 404 or leaks(body_text(response)):
                wrong.append(f"{method.upper()} {url} ({entry.name}) -> {response.status_code}")
    assert walked >= 10
    assert not wrong, "A's objects reached under B's slug:\n" + "\n".join(wrong)
    assert diff_snapshots(before, snapshot_organization(world.org)) == []


def test_it_serves_ones_own_objects_under_ones_own_slug(world, client):
    """The control of the previous test: B's admin opens B's objects."""
    client.force_login(world.outsider)
    wrong = []
    for entry in tenant_entries():
        page = TENANT_PAGES[entry.name]
        if not has_object_kwarg(entry) or page.get is None:
            continue
        url = url_for(entry, world, slug=world.other.slug, organization=world.other)
        response = client.get(url)
        if response.status_code != 200:
            wrong.append(f"GET {url} ({entry.name}) -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_it_answers_403_to_a_role_too_low(world, client):
    before = snapshot_organization(world.org)
    wrong, checked = [], 0
    for entry in tenant_entries():
        url = url_for(entry, world)
        for method, capability in TENANT_PAGES[entry.name].methods().items():
            for role in roles_without(capability):
                client.force_login(world.member(role))
                if method == "get":
                    response = client.get(url)
                else:
                    response = client.post(url, post_data(sample_pk(entry, world)))
                checked += 1
                if response.status_code != 403:
                    wrong.append(f"{role} {method.upper()} {url} -> {response.status_code}")
    assert checked >= 20
    assert not wrong, "Members below the role reached the page:\n" + "\n".join(wrong)
    assert diff_snapshots(before, snapshot_organization(world.org)) == []


def test_it_serves_each_page_to_the_roles_that_may_read_it(world, client):
    wrong = []
    for entry in tenant_entries():
        capability = TENANT_PAGES[entry.name].get
        if capability is None:
            continue
        url = url_for(entry, world)
        for role in roles_with(capability):
            client.force_login(world.member(role))
            response = client.get(url)
            if response.status_code != 200:
                wrong.append(f"{role} GET {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


def sample_pk(entry, world):
    kind = OBJECT_KWARGS["pk"].get(entry.name)
    return {"pk": world.get(kind).pk} if kind else {}


def test_it_sends_anonymous_visitors_of_a_tenant_page_to_the_login(world, client):
    wrong = []
    for entry in tenant_entries():
        url = url_for(entry, world)
        response = client.get(url)
        if response.status_code != 302 or not response["Location"].startswith(reverse("login")):
            wrong.append(f"GET {url} -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


def test_it_answers_every_public_page_without_a_server_error(world, client):
    """Public pages open to anyone (the join page to whoever holds the token, by design)."""
    wrong = []
    for entry in public_entries():
        url = url_for(entry, world)
        response = client.get(url)
        if response.status_code >= 500:
            wrong.append(f"GET {url} ({entry.name}) -> {response.status_code}")
    assert not wrong, "\n".join(wrong)


# --- Django admin ------------------------------------------------------------------------


def admin_urls():
    urls = [reverse("admin:index")]
    for model in django_admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
    return urls


def test_it_keeps_django_admin_for_platform_superusers(world, client):
    staff = User.objects.create_user("staff@platform.test", "pw", is_staff=True)
    for user in (world.admin, world.outsider, staff):
        client.force_login(user)
        for url in admin_urls():
            response = client.get(url)
            assert response.status_code == 302, f"{user.email} GET {url}"
            assert response["Location"].startswith(reverse("admin:login"))
    superuser = User.objects.create_superuser("root@platform.test", "pw")
    client.force_login(superuser)
    for url in admin_urls():
        assert client.get(url).status_code == 200, url


# --- API -----------------------------------------------------------------------------------


def api_url(route, pk=None):
    return reverse(route.name, kwargs={route.lookup_kwarg: pk} if route.detail else {})


def call(client, method, url, body=None):
    return getattr(client, method)(url, body if body is not None else {}, format="json")


def test_it_answers_404_to_another_organizations_api_key(world, api_client_for):
    before = snapshot_organization(world.org)
    client = api_client_for(world.other)
    wrong, walked = [], 0
    for route in api_routes():
        if not route.detail:
            continue
        a_pk = world.get(API_KINDS[route.basename]).pk
        url = api_url(route, a_pk)
        for method in route.methods:
            response = call(client, method, url, {"name": "taken over"})
            walked += 1
            body = body_text(response)
            if response.status_code != 404 or leaks(body):
                wrong.append(f"{method.upper()} {url} -> {response.status_code}: {body[:200]}")
            elif json.loads(body)["error"] != "not_found":
                wrong.append(f"{method.upper()} {url}: not the error envelope: {body[:200]}")
    assert walked >= 6
    assert not wrong, "B's API key reached A's objects:\n" + "\n".join(wrong)
    assert diff_snapshots(before, snapshot_organization(world.org)) == []


def test_it_serves_an_api_keys_own_objects(world):
    """The control: A's own key reads A's objects at the same URLs."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.get('api_key').full_key}")
    for route in api_routes():
        if route.detail and route.methods.get("get") == "retrieve":
            response = client.get(api_url(route, world.get(API_KINDS[route.basename]).pk))
            assert response.status_code == 200, route.name
            assert leaks(response.content.decode())


def test_it_lists_none_of_another_organizations_objects(world, api_client_for):
    client = api_client_for(world.other)
    checked = 0
    for route in api_routes():
        if route.detail or "get" not in route.methods:
            continue
        response = client.get(api_url(route))
        body = body_text(response)
        assert response.status_code == 200, f"{route.name}: {body[:200]}"
        assert not leaks(body), f"{route.name} shows A's data to B: {body[:300]}"
        # B's own objects are there: the list is not merely empty.
        assert world.other.slug in body, route.name
        checked += 1
    assert checked >= 3


def test_it_answers_plain_api_paths_for_the_keys_own_organization(world, api_client_for):
    before = snapshot_organization(world.org)
    client = api_client_for(world.other)
    for name in API_PLAIN:
        url = reverse(name)
        response = client.get(url)
        body = body_text(response)
        assert response.status_code == 200, name
        assert not leaks(body) and world.org.slug not in body and world.org.name not in body
        assert world.other.slug in body
        response = client.patch(url, {"name": "Taken over"}, format="json")
        assert response.status_code in (200, 400, 405), name
    assert diff_snapshots(before, snapshot_organization(world.org)) == []


def test_it_refuses_a_filter_on_another_organizations_object(world, api_client_for):
    """List parameters that name an object (``?segment=``): A's id answers like a missing id."""
    # query parameter -> kind; later issues add theirs
    filters = {
        "segment": "segment",
        "journey": "journey",
        "stage": "stage",
        "touchpoint": "touchpoint",
        "survey": "survey",
    }
    client = api_client_for(world.other)
    checked = 0
    for route in api_routes():
        if route.detail or route.methods.get("get") != "list":
            continue
        for param, kind in filters.items():
            if param not in declared_query_parameters(route):
                continue
            a_obj = world.get(kind)
            foreign = client.get(api_url(route), {param: a_obj.pk})
            missing = client.get(api_url(route), {param: missing_pk(type(a_obj))})
            assert foreign.status_code == missing.status_code == 400, route.name
            assert same_message(
                foreign.json()["fields"][param],
                missing.json()["fields"][param],
                (a_obj.pk, missing_pk(type(a_obj))),
            )
            checked += 1
    assert checked >= 1


def declared_query_parameters(route) -> set[str]:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    path = api_url(route)
    return {
        parameter["name"]
        for parameter in schema["paths"].get(path, {}).get("get", {}).get("parameters", [])
        if parameter.get("in") == "query"
    }


WRITE_ACTIONS = {"create", "update", "partial_update"}
# Relation fields not to a tenant's objects, with the reason they are safe (none yet).
UNSCOPED_RELATIONS_ALLOWED: dict[str, str] = {}


def write_cases(world):
    """(route, method, action, url, relation field) for every writable relation of the API."""
    for route in api_routes():
        for method, action in route.methods.items():
            if action not in WRITE_ACTIONS:
                continue
            url = api_url(route)
            if route.detail:
                url = api_url(route, world.get(API_KINDS[route.basename], world.other).pk)
            for relation in relation_fields(serializer_for(route.viewset, action)):
                yield route, method, action, url, relation


def test_it_refuses_another_organizations_id_in_every_foreign_key_field(world, api_client_for):
    before = snapshot_organization(world.org)
    client = api_client_for(world.other)
    wrong = []
    for route, method, action, url, relation in write_cases(world):
        name = ".".join(relation.path)
        if not relation.scoped:
            if f"{route.name}:{name}" not in UNSCOPED_RELATIONS_ALLOWED:
                wrong.append(f"{route.name} {action}: {name} is not a ScopedPrimaryKeyRelatedField")
            continue
        label = relation.model._meta.label_lower
        if label not in MODEL_KINDS:
            wrong.append(f"{route.name}: add {label!r} to tests.walk.MODEL_KINDS")
            continue
        a_pk, absent = world.get(MODEL_KINDS[label]).pk, missing_pk(relation.model)
        answers = []
        for value in (a_pk, absent):
            body = nest(relation.path, [value] if relation.many else value)
            response = call(client, method, url, body)
            answers.append(response)
        foreign, missing = answers
        field_key = ".".join(p for p in relation.path if p != "0")
        if foreign.status_code != 400 or missing.status_code != 400:
            wrong.append(f"{method.upper()} {url} {name}: {foreign.status_code}")
            continue
        foreign_msgs = errors_of(foreign.json()["fields"], field_key)
        missing_msgs = errors_of(missing.json()["fields"], field_key)
        if not foreign_msgs or not same_message(foreign_msgs, missing_msgs, (a_pk, absent)):
            wrong.append(f"{method.upper()} {url} {name}: {foreign_msgs} vs {missing_msgs}")
    assert not wrong, "\n".join(wrong)
    assert diff_snapshots(before, snapshot_organization(world.org)) == []


def errors_of(fields: dict, key: str) -> list[str]:
    """The messages about ``key`` (flattened keys may carry list indexes: ``rows.0.team``)."""
    return [
        message
        for name, messages in fields.items()
        if name == key or name.replace(".0", "").startswith(key)
        for message in messages
    ]
