"""Every URL of the product, enumerated at run time, with sample arguments and a classification.

The isolation walk (tests/isolation/) and the XSS walk (tests/core/test_xss_walk.py) both start
here. Nothing is listed by hand except what cannot be guessed:

- ``resolver_entries()`` enumerates every pattern of the root URLconf (includes followed, full
  route and namespaced name built); ``api_routes()`` every route of the DRF router and every plain
  APIView path under /api/v1/.
- ``KINDS`` makes one object of a kind in an organization (org A's carry ``MARKER`` in their text,
  so a leak is visible in any body); ``OBJECT_KWARGS`` says which kind a URL's ``pk`` (or other
  object kwarg) is, per URL name; ``API_KINDS`` the same per router basename; ``MODEL_KINDS`` per
  model (for foreign-key fields of serializers).
- ``TENANT_PAGES`` lists every page under /o/<org_slug>/ with the capability each method needs
  (the roles table); ``PUBLIC`` every page any visitor may open, with the reason; ``API_PLAIN``
  the API paths outside the router. Django admin (namespace ``admin``) is for platform
  superusers only and checked as such.

A pattern that is in none of these makes ``unclassified_entries()`` non-empty and the walk fails
naming it: a later issue that adds a page adds it here, with its role and sample object.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.tokens import default_token_generator
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from rest_framework import serializers as drf_serializers

from vocapp.api.fields import ScopedPrimaryKeyRelatedField
from vocapp.tenancy.models import Membership, MembershipInvite, Organization, Team, hash_secret
from vocapp.tenancy.roles import Role, role_can
from vocapp.tenancy.scope import TenantModel, organization_scope

# Text carried by every object of organization A: seeing it in an answer to B is a leak.
MARKER = "alpha-secret"
MARKERS = (MARKER, MARKER.replace("-", "_"))


def leaks(text: str) -> bool:
    """Whether an answer shows any of organization A's objects."""
    lowered = text.lower()
    return any(marker in lowered for marker in MARKERS)


# --------------------------------------------------------------------------------------------
# Enumeration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UrlEntry:
    """One pattern of the root URLconf."""

    route: str  # the full route, e.g. "o/<slug:org_slug>/settings/teams/<int:pk>/"
    name: str | None  # namespaced, e.g. "tenancy:team_edit"; None for nameless patterns
    namespace: str | None
    kwarg_names: tuple[str, ...]
    callback: Callable = field(compare=False, repr=False)

    @property
    def label(self) -> str:
        return f"{self.name or '(nameless)'} /{self.route}"


def _kwarg_names(pattern) -> list[str]:
    if hasattr(pattern, "converters") and getattr(pattern, "_route", None) is not None:
        return list(pattern.converters)
    regex = getattr(pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def resolver_entries(resolver=None, prefix="", namespace=None, kwargs=()) -> list[UrlEntry]:
    """Every URL pattern reachable from the root resolver, includes followed."""
    resolver = resolver or get_resolver()
    entries = []
    for item in resolver.url_patterns:
        route = prefix + str(item.pattern)
        names = (*kwargs, *_kwarg_names(item.pattern))
        if isinstance(item, URLResolver):
            inner = item.namespace
            joined = f"{namespace}:{inner}" if namespace and inner else (inner or namespace)
            entries.extend(resolver_entries(item, route, joined, names))
        elif isinstance(item, URLPattern):
            name = f"{namespace}:{item.name}" if namespace and item.name else item.name
            entries.append(UrlEntry(route, name, namespace, tuple(names), item.callback))
    return entries


@dataclass(frozen=True)
class ApiRoute:
    """One route of the DRF router: a URL name and the methods it maps to actions."""

    name: str  # "api:contact-detail"
    basename: str
    viewset: type
    detail: bool
    methods: dict[str, str]  # {"get": "retrieve", "patch": "partial_update", ...}
    lookup_kwarg: str


def api_routes() -> list[ApiRoute]:
    """Every router route with the HTTP methods its viewset really serves."""
    from vocapp.api.urls import router

    routes = []
    for _prefix, viewset, basename in router.registry:
        allowed = {name.lower() for name in viewset.http_method_names}
        # A plain ViewSet (metrics: a list only, no object) has no lookup field.
        lookup = getattr(viewset, "lookup_url_kwarg", None) or getattr(
            viewset, "lookup_field", "pk"
        )
        for route in router.get_routes(viewset):
            methods = {
                method: action
                for method, action in router.get_method_map(viewset, route.mapping).items()
                if method in allowed
            }
            if methods:
                routes.append(
                    ApiRoute(
                        name="api:" + route.name.format(basename=basename),
                        basename=basename,
                        viewset=viewset,
                        detail=route.detail,
                        methods=methods,
                        lookup_kwarg=lookup,
                    )
                )
    return routes


def router_url_names() -> set[str]:
    return {route.name for route in api_routes()}


# --------------------------------------------------------------------------------------------
# The world: organization A with one object of each kind, organization B and its admin
# --------------------------------------------------------------------------------------------


@dataclass
class World:
    org: Organization  # A: its data is what the walk probes
    other: Organization  # B: the outsider's organization
    admin: Any
    manager: Any
    agent: Any
    outsider: Any  # admin of B
    _objects: dict = field(default_factory=dict)

    def get(self, kind: str, organization: Organization | None = None):
        """The object of ``kind`` in ``organization`` (A by default), made once."""
        organization = organization or self.org
        key = (kind, organization.pk)
        if key not in self._objects:
            if kind not in KINDS:
                raise LookupError(f"no factory for the kind {kind!r}: add it to tests.walk.KINDS")
            with organization_scope(organization):
                self._objects[key] = KINDS[kind](self, organization)
        return self._objects[key]

    def member(self, role: str):
        return {Role.ADMIN: self.admin, Role.CX_MANAGER: self.manager, Role.AGENT: self.agent}[role]

    def populate(self, organization: Organization | None = None) -> None:
        """Make one object of every kind (so that snapshots and pages see them all)."""
        for kind in KINDS:
            self.get(kind, organization)


def _label(world, organization, text):
    """A's objects carry the marker; the others a neutral text with their slug."""
    return f"{MARKER} {text}" if organization == world.org else f"{organization.slug} {text}"


def _slug_label(world, organization, text):
    if organization == world.org:
        return f"{MARKER.replace('-', '_')}_{text}"
    return f"{organization.slug}_{text}"


def make_team(world, organization):
    team = Team.objects.create(name=_label(world, organization, "team"))
    members = [m.user for m in Membership.objects.filter(organization=organization)]
    team.members.add(*members)
    return team


def make_api_key(world, organization):
    from vocapp.tenancy.services import create_api_key

    api_key, full_key = create_api_key(
        None, organization, name=_label(world, organization, "key"), scopes=["admin"]
    )
    api_key.full_key = full_key
    return api_key


def make_invite(world, organization):
    token = secrets.token_urlsafe(32)
    invite = MembershipInvite.objects.create(
        email=f"{_slug_label(world, organization, 'invitee')}@example.com".replace("_", "-"),
        role=Role.AGENT,
        token_hash=hash_secret(token),
        expires_at=timezone.now() + MembershipInvite.VALIDITY,
    )
    invite.raw_token = token
    return invite


def make_membership(world, organization):
    """A non-admin membership (removing or demoting it is allowed, so a leak would act)."""
    if organization == world.org:
        return Membership.objects.get(organization=organization, user=world.agent)
    from vocapp.tenancy.models import User

    user = User.objects.create_user(f"agent@{organization.slug}.test", "correct horse battery")
    return Membership.objects.create(organization=organization, user=user, role=Role.AGENT)


def make_contact(world, organization):
    from vocapp.contacts.models import Contact

    return Contact.objects.create(
        external_id=_slug_label(world, organization, "contact"),
        email=f"{_slug_label(world, organization, 'contact')}@example.com".replace("_", "-"),
        phone="+33612345678",
        first_name=_label(world, organization, "Camille"),
        attributes={"tier": _label(world, organization, "gold")},
    )


def make_segment(world, organization):
    from vocapp.contacts.models import Segment

    return Segment.objects.create(
        name=_label(world, organization, "segment"),
        description=_label(world, organization, "description"),
        conditions=[{"attribute": "first_name", "op": "contains", "value": "Camille"}],
    )


def make_attribute(world, organization):
    from vocapp.contacts.models import AttributeDefinition

    return AttributeDefinition.objects.create(
        name=_slug_label(world, organization, "tier"), label=_label(world, organization, "tier")
    )


def make_import_job(world, organization):
    from vocapp.contacts.models import ImportJob, ImportRejection, ImportStatus

    job = ImportJob.objects.create(
        kind="contacts",
        original_name=f"{_slug_label(world, organization, 'import')}.csv",
        file=f"imports/{organization.pk}/walk.csv",
        header=["external_id", "email"],
        column_mapping={"external_id": "external_id", "email": "email"},
        status=ImportStatus.DONE,
        total_rows=1,
        rows_committed=1,
        rejected_count=1,
    )
    ImportRejection.objects.create(
        organization=organization,
        job=job,
        row_number=2,
        values={"external_id": _label(world, organization, "row"), "email": "not an email"},
        errors={"email": ["Enter a valid email address."]},
    )
    return job


def make_member_user(world, organization):
    """A user who is a member of the organization (a touchpoint's owner)."""
    return world.manager if organization == world.org else world.outsider


def make_persona(world, organization):
    from journeys.models import Persona

    return Persona.objects.create(
        name=_label(world, organization, "persona"),
        description=_label(world, organization, "description"),
        goals=_label(world, organization, "goals"),
        segment=world.get("segment", organization),
    )


def make_journey(world, organization):
    from journeys.models import Journey

    return Journey.objects.create(
        name=_label(world, organization, "journey"),
        description=_label(world, organization, "description"),
        persona=world.get("persona", organization),
    )


def make_stage(world, organization):
    from journeys.models import Stage

    return Stage.objects.create(
        journey=world.get("journey", organization), name=_label(world, organization, "stage")
    )


def make_touchpoint(world, organization):
    from journeys.models import Touchpoint

    return Touchpoint.objects.create(
        stage=world.get("stage", organization),
        name=_label(world, organization, "touchpoint"),
        key=_slug_label(world, organization, "touchpoint"),
        goal=_label(world, organization, "goal"),
        is_moment_of_truth=True,
        owner=make_member_user(world, organization),
    )


def make_survey(world, organization):
    from surveys.content import Content
    from surveys.versioning import create_survey

    return create_survey(
        None,
        name=_label(world, organization, "survey"),
        description=_label(world, organization, "description"),
        content=Content(
            intro={"en": _label(world, organization, "intro")},
            thank_you={"en": _label(world, organization, "thanks")},
            questions=[
                {"key": "nps", "kind": "nps", "texts": {"en": _label(world, organization, "nps")}},
                {
                    "key": "why",
                    "kind": "text",
                    "texts": {"en": _label(world, organization, "why")},
                    "show_if_score_min": 0,
                    "show_if_score_max": 6,
                },
            ],
        ),
    )


def make_listening_rule(world, organization):
    from surveys.models import ListeningRule

    return ListeningRule.objects.create(
        touchpoint=world.get("touchpoint", organization),
        survey=world.get("survey", organization),
        segment=world.get("segment", organization),
        channels=["sms", "email"],
    )


def make_campaign(world, organization):
    from surveys.models import Campaign

    return Campaign.objects.create(
        name=_label(world, organization, "campaign"),
        survey=world.get("survey", organization),
        segment=world.get("segment", organization),
        channels=["email"],
        starts_on=timezone.localdate(),
        repeat_every_days=182,
    )


def make_interaction(world, organization):
    from surveys.models import Interaction

    return Interaction.objects.create(
        touchpoint=world.get("touchpoint", organization),
        contact=world.get("contact", organization),
        external_id=_slug_label(world, organization, "interaction"),
        occurred_at=timezone.now(),
        attributes={"store": _label(world, organization, "store")},
    )


def make_invitation(world, organization):
    from surveys.models import Invitation

    interaction = world.get("interaction", organization)
    return Invitation.objects.create(
        contact=interaction.contact,
        interaction=interaction,
        touchpoint=interaction.touchpoint,
        survey_version=world.get("survey", organization).current_version,
        kind="hot",
        channel="sms",
        send_at=timezone.now(),
    )


def make_sent_invitation(world, organization):
    """An invitation whose link can be answered (the public survey page shows the survey)."""
    from surveys.models import Invitation

    interaction = world.get("interaction", organization)
    return Invitation.objects.create(
        contact=interaction.contact,
        interaction=interaction,
        touchpoint=interaction.touchpoint,
        survey_version=world.get("survey", organization).current_version,
        kind="hot",
        channel="sms",
        state="sent",
        expires_at=timezone.now() + timedelta(days=7),
    )


def make_response(world, organization):
    """A response to the sample survey with a score and a verbatim (its text carries A's
    marker)."""
    from surveys.models import Answer, Response

    invitation = world.get("invitation", organization)
    version = invitation.survey_version
    response = Response.objects.create(
        survey_version=version,
        touchpoint=invitation.touchpoint,
        contact=invitation.contact,
        invitation=invitation,
        channel="sms",
        locale="en",
        completed_at=timezone.now(),
    )
    questions = {question.key: question for question in version.questions.all()}
    Answer.objects.create(response=response, question=questions["nps"], score=3)
    Answer.objects.create(
        response=response, question=questions["why"], text=_label(world, organization, "verbatim")
    )
    return response


def make_audit_event(world, organization):
    from vocapp.tenancy.audit import record_audit

    return record_audit(
        None, "walk.sample", organization, {"note": _label(world, organization, "x")}
    )


def make_twilio_account(world, organization):
    from surveys.models import TwilioAccount

    return TwilioAccount.objects.create(
        label=_label(world, organization, "Twilio"),
        account_sid=f"AC{organization.pk:032x}",
        auth_token=secrets.token_hex(16),
    )


def make_sender_number(world, organization):
    """One of the organization's own senders (shared ones, with no organization, are not a
    tenant's object)."""
    from surveys.models import SenderNumber

    return SenderNumber.objects.create(
        organization=organization,
        number=f"+336{organization.pk % 10**8:08d}",
        label=_label(world, organization, "sender"),
        account=world.get("twilio_account", organization),
    )


def make_kiosk_device(world, organization):
    """A kiosk device of the touchpoint (its token is never stored: only its digest)."""
    from surveys.kiosks import create_device

    device, token = create_device(
        None, world.get("touchpoint", organization), _label(world, organization, "kiosk")
    )
    device.raw_token = token
    return device


# kind -> factory(world, organization) returning a saved object (called inside the org's scope).
KINDS: dict[str, Callable[[World, Organization], Any]] = {
    "membership": make_membership,
    "invite": make_invite,
    "team": make_team,
    "api_key": make_api_key,
    "audit_event": make_audit_event,
    "contact": make_contact,
    "segment": make_segment,
    "attribute": make_attribute,
    "import_job": make_import_job,
    "member_user": make_member_user,
    "persona": make_persona,
    "journey": make_journey,
    "stage": make_stage,
    "touchpoint": make_touchpoint,
    "survey": make_survey,
    "listening_rule": make_listening_rule,
    "campaign": make_campaign,
    "interaction": make_interaction,
    "invitation": make_invitation,
    "sent_invitation": make_sent_invitation,
    "response": make_response,
    "twilio_account": make_twilio_account,
    "sender_number": make_sender_number,
    "kiosk_device": make_kiosk_device,
}

# URL kwarg holding an object id -> {url name -> kind}. Later issues add their pages here.
OBJECT_KWARGS: dict[str, dict[str, str]] = {
    "pk": {
        "tenancy:member_role": "membership",
        "tenancy:member_remove": "membership",
        "tenancy:invite_revoke": "invite",
        "tenancy:team_edit": "team",
        "tenancy:team_delete": "team",
        "tenancy:api_key_revoke": "api_key",
        "contacts:detail": "contact",
        "contacts:export": "contact",
        "contacts:erase": "contact",
        "contacts:opt_out": "contact",
        "contacts:segment_edit": "segment",
        "contacts:import_detail": "import_job",
        "contacts:import_progress": "import_job",
        "contacts:import_rejections": "import_job",
        "journeys:map": "journey",
        "journeys:edit": "journey",
        "journeys:archive": "journey",
        "journeys:stage_new": "journey",
        "journeys:stage_order": "journey",
        "journeys:stage_edit": "stage",
        "journeys:stage_move": "stage",
        "journeys:stage_archive": "stage",
        "journeys:touchpoint_new": "stage",
        "journeys:touchpoint_order": "stage",
        "journeys:touchpoint": "touchpoint",
        "journeys:touchpoint_edit": "touchpoint",
        "journeys:touchpoint_move": "touchpoint",
        "journeys:touchpoint_archive": "touchpoint",
        "journeys:persona_edit": "persona",
        "journeys:persona_archive": "persona",
        "surveys:edit": "survey",
        "surveys:preview": "survey",
        "surveys:archive": "survey",
        "surveys:rule_edit": "listening_rule",
        "surveys:rule_archive": "listening_rule",
        "surveys:campaign_edit": "campaign",
        "surveys:campaign_archive": "campaign",
        "surveys:campaign_invitations": "campaign",
        "surveys:touchpoint_invitations": "touchpoint",
        "surveys:journey_scores": "journey",
        "surveys:touchpoint_scores": "touchpoint",
        "surveys:channel_account_remove": "twilio_account",
        "surveys:channel_sender_active": "sender_number",
        "surveys:touchpoint_open_survey": "touchpoint",
        "surveys:touchpoint_qr_png": "touchpoint",
        "surveys:touchpoint_qr_svg": "touchpoint",
        "surveys:kiosk_revoke": "kiosk_device",
    },
}

# Router basename -> kind of its objects (for detail routes).
API_KINDS: dict[str, str] = {
    "contact": "contact",
    "contact-attribute": "attribute",
    "segment": "segment",
    "persona": "persona",
    "journey": "journey",
    "stage": "stage",
    "touchpoint": "touchpoint",
    "survey": "survey",
    "listening-rule": "listening_rule",
    "campaign": "campaign",
    "interaction": "interaction",
    "invitation": "invitation",
    "response": "response",
}

# Model label -> kind (for foreign-key fields of serializers and forms).
MODEL_KINDS: dict[str, str] = {
    "tenancy.team": "team",
    "tenancy.apikey": "api_key",
    "tenancy.membershipinvite": "invite",
    "tenancy.auditevent": "audit_event",
    "contacts.contact": "contact",
    "contacts.segment": "segment",
    "contacts.attributedefinition": "attribute",
    "contacts.importjob": "import_job",
    "tenancy.user": "member_user",
    "journeys.persona": "persona",
    "journeys.journey": "journey",
    "journeys.stage": "stage",
    "journeys.touchpoint": "touchpoint",
    "surveys.survey": "survey",
    "surveys.listeningrule": "listening_rule",
    "surveys.campaign": "campaign",
    "surveys.interaction": "interaction",
    "surveys.invitation": "invitation",
    "surveys.response": "response",
    "surveys.twilioaccount": "twilio_account",
    "surveys.sendernumber": "sender_number",
    "surveys.kioskdevice": "kiosk_device",
}


def _password_reset_token(world, url_name):
    return default_token_generator.make_token(world.admin)


# Other kwargs: name -> {url name -> value(world)}; "*" applies to every URL name.
VALUE_KWARGS: dict[str, dict[str, Callable[[World], Any]]] = {
    "org_slug": {"*": lambda world: world.org.slug},
    "slug": {"tenancy:logo": lambda world: world.org.slug},
    "token": {
        "tenancy:join": lambda world: world.get("invite").raw_token,
        "public:survey": lambda world: world.get("sent_invitation").token,
        "password_reset_confirm": lambda world: default_token_generator.make_token(world.admin),
        "unsubscribe": lambda world: world.get("invitation").token,
    },
    "public_key": {
        "open_survey": lambda world: world.get("touchpoint").public_key,
        "open_survey_contact": lambda world: world.get("touchpoint").public_key,
    },
    "uidb64": {
        "password_reset_confirm": lambda world: urlsafe_base64_encode(force_bytes(world.admin.pk))
    },
}


class NoSample(LookupError):
    pass


def sample_kwargs(entry: UrlEntry, world: World, organization: Organization | None = None):
    """Values for every kwarg of ``entry``: objects of ``organization`` (A by default), the org
    slug of the world (A) unless the caller replaces it."""
    values = {}
    for name in entry.kwarg_names:
        if name in OBJECT_KWARGS:
            kind = OBJECT_KWARGS[name].get(entry.name)
            if kind is None:
                raise NoSample(
                    f"{entry.label}: no sample object for <{name}>; add "
                    f"{entry.name!r} to tests.walk.OBJECT_KWARGS[{name!r}]"
                )
            values[name] = world.get(kind, organization).pk
        elif name in VALUE_KWARGS:
            table = VALUE_KWARGS[name]
            factory = table.get(entry.name) or table.get("*")
            if factory is None:
                raise NoSample(f"{entry.label}: no sample value for <{name}> in VALUE_KWARGS")
            values[name] = factory(world)
        else:
            raise NoSample(f"{entry.label}: unknown kwarg <{name}>; add it to tests.walk")
    return values


def url_for(entry: UrlEntry, world: World, *, slug=None, organization=None) -> str:
    kwargs = sample_kwargs(entry, world, organization)
    if slug is not None and "org_slug" in kwargs:
        kwargs["org_slug"] = slug
    return reverse(entry.name, kwargs=kwargs)


# --------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A tenant page: the capability each method needs (None: the method is not served)."""

    get: str | None = "view"
    post: str | None = None
    # The answer a member allowed to GET receives (a download is still a 200).
    html: bool = True

    def methods(self) -> dict[str, str]:
        return {m: cap for m, cap in (("get", self.get), ("post", self.post)) if cap is not None}


ADMIN_ONLY = "manage_organization"

# Every page under /o/<org_slug>/ with the capability of each method (ARCHITECTURE.md roles).
TENANT_PAGES: dict[str, Page] = {
    "tenancy:home": Page(get="view"),
    "tenancy:settings": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "tenancy:members": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "tenancy:member_role": Page(get=None, post=ADMIN_ONLY),
    "tenancy:member_remove": Page(get=None, post=ADMIN_ONLY),
    "tenancy:invite_revoke": Page(get=None, post=ADMIN_ONLY),
    "tenancy:teams": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "tenancy:team_edit": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "tenancy:team_delete": Page(get=None, post=ADMIN_ONLY),
    "tenancy:api_keys": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "tenancy:api_key_revoke": Page(get=None, post=ADMIN_ONLY),
    "tenancy:audit": Page(get=ADMIN_ONLY),
    "contacts:list": Page(get="view"),
    "contacts:attributes": Page(get="view", post="configure"),
    "contacts:detail": Page(get="view"),
    "contacts:export": Page(get="export", html=False),
    "contacts:erase": Page(get=None, post=ADMIN_ONLY),
    "contacts:opt_out": Page(get=None, post="work_cases"),
    "contacts:segments": Page(get="view"),
    "contacts:segment_new": Page(get="view", post="configure"),
    "contacts:segment_preview": Page(get=None, post="view"),
    "contacts:segment_edit": Page(get="view", post="configure"),
    "contacts:imports": Page(get="configure", post="configure"),
    "contacts:import_detail": Page(get="configure", post="configure"),
    "contacts:import_progress": Page(get="configure"),
    "contacts:import_rejections": Page(get="configure", html=False),
    "journeys:list": Page(get="view"),
    "journeys:new": Page(get="configure", post="configure"),
    "journeys:from_template": Page(get=None, post="configure"),
    "journeys:map": Page(get="view"),
    "journeys:edit": Page(get="configure", post="configure"),
    "journeys:archive": Page(get=None, post="configure"),
    "journeys:stage_new": Page(get="configure", post="configure"),
    "journeys:stage_order": Page(get=None, post="configure"),
    "journeys:stage_edit": Page(get="configure", post="configure"),
    "journeys:stage_move": Page(get=None, post="configure"),
    "journeys:stage_archive": Page(get=None, post="configure"),
    "journeys:touchpoint_new": Page(get="configure", post="configure"),
    "journeys:touchpoint_order": Page(get=None, post="configure"),
    "journeys:touchpoint": Page(get="view"),
    "journeys:touchpoint_edit": Page(get="configure", post="configure"),
    "journeys:touchpoint_move": Page(get=None, post="configure"),
    "journeys:touchpoint_archive": Page(get=None, post="configure"),
    "journeys:personas": Page(get="view"),
    "journeys:persona_new": Page(get="configure", post="configure"),
    "journeys:persona_edit": Page(get="configure", post="configure"),
    "journeys:persona_archive": Page(get=None, post="configure"),
    "surveys:list": Page(get="view"),
    "surveys:new": Page(get="configure", post="configure"),
    "surveys:edit": Page(get="view", post="configure"),
    "surveys:preview": Page(get="view", post="configure"),
    "surveys:archive": Page(get=None, post="configure"),
    "surveys:rules": Page(get="view"),
    "surveys:rule_new": Page(get="configure", post="configure"),
    "surveys:rule_edit": Page(get="view", post="configure"),
    "surveys:rule_archive": Page(get=None, post="configure"),
    "surveys:campaigns": Page(get="view"),
    "surveys:campaign_new": Page(get="configure", post="configure"),
    "surveys:campaign_edit": Page(get="view", post="configure"),
    "surveys:campaign_archive": Page(get=None, post="configure"),
    "surveys:campaign_invitations": Page(get="view"),
    "surveys:touchpoint_invitations": Page(get="view"),
    "surveys:overview": Page(get="view"),
    "surveys:journey_scores": Page(get="view"),
    "surveys:touchpoint_scores": Page(get="view"),
    "surveys:delivery_policy": Page(get="view", post=ADMIN_ONLY),
    "surveys:outbox": Page(get="configure"),
    "surveys:channels": Page(get=ADMIN_ONLY, post=ADMIN_ONLY),
    "surveys:channel_account_add": Page(get=None, post=ADMIN_ONLY),
    "surveys:channel_account_remove": Page(get=None, post=ADMIN_ONLY),
    "surveys:channel_sender_add": Page(get=None, post=ADMIN_ONLY),
    "surveys:channel_sender_active": Page(get=None, post=ADMIN_ONLY),
    "surveys:channel_test_sms": Page(get=None, post=ADMIN_ONLY),
    "surveys:touchpoint_open_survey": Page(get="view", post="configure"),
    "surveys:touchpoint_qr_png": Page(get="view", html=False),
    "surveys:touchpoint_qr_svg": Page(get="view", html=False),
    "surveys:kiosk_revoke": Page(get=None, post="configure"),
}

# Pages any visitor may open, and why that is safe.
PUBLIC: dict[str, str] = {
    "healthz": "health probe: database and broker state, no tenant data",
    "login": "sign-in form",
    "logout": "signs the visitor out (POST); no data",
    "password_reset": "asks for an email address; same answer whether it exists or not",
    "password_reset_done": "static confirmation",
    "password_reset_confirm": "guarded by Django's signed, expiring token",
    "password_reset_complete": "static confirmation",
    "set_language": "i18n: stores the visitor's language choice",
    "schema": "OpenAPI description of the API: no data",
    "api_docs": "Swagger UI over the schema: no data",
    "tenancy:pick_organization": "lists only the signed-in user's own memberships",
    "tenancy:join": "invitation link: the token is the secret (tests/tenancy/test_members.py)",
    "tenancy:logo": "branding shown on public survey pages and emails",
    "webhooks:twilio_status": "Twilio's signature is checked (test_provider_webhooks.py)",
    "public:survey": "the invitation's survey: its random token is the secret "
    "(tests/surveys/test_answering_page.py)",
    "unsubscribe": "an invitation's unsubscribe link: the token is the secret; GET only asks "
    "(test_unsubscribe.py)",
    "open_survey": "a touchpoint's open QR/kiosk survey: shows the survey, stores anonymous "
    "answers, rate-limited per IP and per kiosk device (test_open_survey.py, test_kiosk.py)",
    "open_survey_contact": "contact details left after an open answer: only for the response "
    "named by a signed, short-lived key, with consent (test_open_survey.py)",
    "webhooks:twilio_inbound": "customers' SMS replies: Twilio's signature and the account owning "
    "the number are checked, 403 otherwise (test_two_way_sms.py)",
}

# API paths outside the router: name -> reason (each answers for the key's own organization).
API_PLAIN: dict[str, str] = {
    "api:organization": "the API key's own organization (no id in the path)",
}

# anymail's ESP webhooks: each checks the ESP's shared secret (tests/surveys/
# test_provider_webhooks.py refuses a wrong one); they show no tenant page to walk.
PROVIDER_WEBHOOK_NAMESPACE = "webhooks:anymail"

# Django admin: platform superusers only (tests/isolation/test_cross_tenant_walk.py checks it).
PLATFORM_ADMIN_NAMESPACE = "admin"

TENANT_ROUTE_PREFIX = "o/<slug:org_slug>/"


def classify(entry: UrlEntry) -> str | None:
    """'tenant', 'public', 'api', 'api-plain', 'platform-admin', or None (unclassified)."""
    if entry.namespace == PLATFORM_ADMIN_NAMESPACE:
        return "platform-admin"
    if entry.namespace == PROVIDER_WEBHOOK_NAMESPACE:
        return "provider-webhook"
    if entry.name in TENANT_PAGES:
        return "tenant"
    if entry.name in PUBLIC:
        return "public"
    if entry.name in API_PLAIN:
        return "api-plain"
    if entry.namespace == "api" and entry.name in router_url_names():
        return "api"
    return None


def unclassified_entries() -> list[UrlEntry]:
    return [entry for entry in resolver_entries() if classify(entry) is None]


def tenant_entries() -> list[UrlEntry]:
    """One entry per tenant page name (every tenant page must sit under /o/<org_slug>/)."""
    seen, entries = set(), []
    for entry in resolver_entries():
        if classify(entry) == "tenant" and entry.name not in seen:
            seen.add(entry.name)
            entries.append(entry)
    return entries


def public_entries() -> list[UrlEntry]:
    seen, entries = set(), []
    for entry in resolver_entries():
        if classify(entry) == "public" and entry.name not in seen:
            seen.add(entry.name)
            entries.append(entry)
    return entries


def roles_without(capability: str) -> list[str]:
    return [role for role in Role if not role_can(role, capability)]


def roles_with(capability: str) -> list[str]:
    return [role for role in Role if role_can(role, capability)]


# --------------------------------------------------------------------------------------------
# Snapshots: "nothing lost, nothing changed"
# --------------------------------------------------------------------------------------------


def tenant_models() -> list[type]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, TenantModel) and not model._meta.abstract
    ]


def owned_models() -> list[type]:
    """Models outside TenantModel whose rows may belong to one organization (memberships, sender
    numbers, which can also be shared): found by their ``organization`` foreign key."""
    models = []
    for model in apps.get_models():
        if issubclass(model, TenantModel):
            continue
        field = next((f for f in model._meta.fields if f.name == "organization"), None)
        if field is not None and field.related_model is Organization:
            models.append(model)
    return models


def snapshot_organization(organization: Organization) -> dict[str, list]:
    """Every row the organization owns (tenant models, memberships and other owned rows, its own
    row, team members)."""
    data = {
        "tenancy.organization": list(Organization.objects.filter(pk=organization.pk).values()),
    }
    for model in owned_models():
        rows = model._base_manager.filter(organization=organization).order_by("pk")
        data[model._meta.label_lower] = list(rows.values())
    for model in tenant_models():
        rows = model.objects.unscoped().filter(organization=organization).order_by("pk")
        data[model._meta.label_lower] = list(rows.values())
    data["tenancy.team.members"] = sorted(
        Team.members.through.objects.filter(team__organization=organization).values_list(
            "team_id", "user_id"
        )
    )
    return data


def diff_snapshots(before: dict, after: dict) -> list[str]:
    problems = []
    for label in sorted(set(before) | set(after)):
        old, new = before.get(label, []), after.get(label, [])
        if old != new:
            problems.append(f"{label}: {len(old)} rows before, {len(new)} after; they differ")
    return problems


# --------------------------------------------------------------------------------------------
# Foreign-key fields of API serializers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RelationField:
    path: tuple[str, ...]  # ("team",) or ("rows", "segment")
    model: type | None
    many: bool
    scoped: bool


def relation_fields(serializer, prefix=()) -> Iterator[RelationField]:
    """Writable relation fields of a serializer instance, nested serializers included."""
    for name, item in serializer.fields.items():
        if item.read_only:
            continue
        path = (*prefix, name)
        if isinstance(item, drf_serializers.ManyRelatedField):
            child = item.child_relation
            yield RelationField(path, _relation_model(child), True, _is_scoped(child))
        elif isinstance(item, drf_serializers.RelatedField):
            yield RelationField(path, _relation_model(item), False, _is_scoped(item))
        elif isinstance(item, drf_serializers.ListSerializer):
            yield from relation_fields(item.child, (*path, "0"))
        elif isinstance(item, drf_serializers.BaseSerializer):
            yield from relation_fields(item, path)


def _is_scoped(item) -> bool:
    return isinstance(item, ScopedPrimaryKeyRelatedField)


def _relation_model(item):
    if isinstance(item, ScopedPrimaryKeyRelatedField):
        return item.model
    queryset = getattr(item, "queryset", None)
    return getattr(queryset, "model", None)


def nest(path: tuple[str, ...], value) -> dict:
    """``("rows", "0", "team"), 5`` -> ``{"rows": [{"team": 5}]}``."""
    head, *rest = path
    if not rest:
        return {head: value}
    inner = nest(tuple(rest), value)
    if rest[0] == "0":
        return {head: [inner["0"]]}
    return {head: inner}


def serializer_for(viewset: type, action: str, request=None):
    """The serializer instance a viewset uses for ``action`` (without a request cycle)."""
    view = viewset(action=action, format_kwarg=None, kwargs={}, request=request)
    cls = view.get_serializer_class()
    return cls(context={"request": request, "view": view, "format": None})


def same_message(first: list[str], second: list[str], ids: tuple) -> bool:
    """Equal once the ids themselves are replaced (DRF quotes the pk it could not find)."""

    def normal(messages):
        text = " ".join(messages)
        for value in ids:
            text = re.sub(rf"\b{re.escape(str(value))}\b", "<id>", text)
        return text

    return normal(first) == normal(second)


def missing_pk(model) -> int:
    """An id no row of ``model`` has in any organization."""
    last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first() or 0
    return last + 1_000_003


def expire(invite) -> None:
    MembershipInvite.objects.unscoped().filter(pk=invite.pk).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )
