"""Writes of the tenancy app; every change is audit-logged here, whoever calls."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from .audit import changed_fields, record_audit, snapshot
from .models import ApiKey, Membership, MembershipInvite, Organization, Team, User, hash_secret
from .roles import Role
from .scope import organization_scope
from .signals import organization_updated


@transaction.atomic
def create_organization(*, slug, name, admin_email, admin_password=None, **fields):
    """A new organization with its first admin (created when the email is new)."""
    organization = Organization(slug=slug, name=name, **fields)
    organization.full_clean()
    organization.save()
    user = User.objects.filter(email=admin_email.lower()).first()
    if user is None:
        user = User.objects.create_user(admin_email, admin_password)
    Membership.objects.create(organization=organization, user=user, role=Role.ADMIN)
    record_audit(user, "organization.created", organization, {"admin": user.email})
    return organization


def update_organization(actor, organization, form) -> Organization:
    fields = [name for name in form.Meta.fields if name != "logo"]
    before = snapshot(Organization.objects.get(pk=organization.pk), fields)
    logo_changed = "logo" in form.changed_data
    organization = form.save()
    changes = changed_fields(before, snapshot(organization, fields))
    if logo_changed:
        changes["logo"] = ["…", "changed" if organization.logo else "removed"]
    if changes:
        record_audit(actor, "organization.updated", organization, changes)
        transaction.on_commit(
            lambda: organization_updated.send(
                sender=Organization, organization=organization, changes=changes
            )
        )
    return organization


def admin_count(organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.ADMIN).count()


def change_role(actor, membership: Membership, role: str) -> Membership:
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and admin_count(membership.organization) == 1
    ):
        raise ValidationError(_("An organization keeps at least one admin."))
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    record_audit(
        actor,
        "member.role_changed",
        membership.organization,
        {"member": membership.user.email, "role": [old, role]},
    )
    return membership


@transaction.atomic
def remove_member(actor, membership: Membership) -> None:
    organization = membership.organization
    if membership.role == Role.ADMIN and admin_count(organization) == 1:
        raise ValidationError(_("An organization keeps at least one admin."))
    with organization_scope(organization):
        for team in Team.objects.filter(members=membership.user):
            team.members.remove(membership.user)
        Team.objects.filter(lead=membership.user).update(lead=None)
    membership.delete()
    record_audit(actor, "member.removed", organization, {"member": membership.user.email})


def join_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL + reverse("tenancy:join", kwargs={"token": token})


def invite_member(actor, organization, *, email, role) -> MembershipInvite:
    token = secrets.token_urlsafe(32)
    with organization_scope(organization):
        invite = MembershipInvite.objects.create(
            email=email.lower(),
            role=role,
            token_hash=hash_secret(token),
            invited_by=actor,
            expires_at=timezone.now() + MembershipInvite.VALIDITY,
        )
    context = {
        "organization": organization,
        "inviter": actor,
        "url": join_url(token),
        "role": invite.get_role_display(),
    }
    with override(organization.default_locale):
        subject = render_to_string("emails/member-invite-subject.txt", context).strip()
        body = render_to_string("emails/member-invite-body.txt", context)
    send_mail(subject, body, None, [invite.email])
    record_audit(actor, "member.invited", organization, {"email": invite.email, "role": role})
    return invite


def find_invite(token: str) -> MembershipInvite | None:
    return (
        MembershipInvite.objects.unscoped()
        .select_related("organization")
        .filter(token_hash=hash_secret(token))
        .first()
    )


@transaction.atomic
def accept_invite(invite: MembershipInvite, user: User) -> Membership:
    membership, _created = Membership.objects.get_or_create(
        organization=invite.organization, user=user, defaults={"role": invite.role}
    )
    MembershipInvite.objects.unscoped().filter(pk=invite.pk).update(accepted_at=timezone.now())
    record_audit(
        user, "member.joined", invite.organization, {"member": user.email, "role": membership.role}
    )
    return membership


def revoke_invite(actor, invite: MembershipInvite) -> None:
    invite.revoked_at = timezone.now()
    invite.save(update_fields=["revoked_at"])
    record_audit(actor, "member.invite_revoked", invite.organization, {"email": invite.email})


def save_team(actor, form) -> Team:
    creating = form.instance.pk is None
    before = (
        {}
        if creating
        else snapshot(Team.objects.get(pk=form.instance.pk), ["name", "lead", "members"])
    )
    team = form.save()
    after = snapshot(team, ["name", "lead", "members"])
    record_audit(
        actor, "team.created" if creating else "team.updated", team, changed_fields(before, after)
    )
    return team


def delete_team(actor, team: Team) -> None:
    record_audit(actor, "team.deleted", team, {"name": team.name})
    team.delete()


def create_api_key(actor, organization, *, name, scopes) -> tuple[ApiKey, str]:
    """A new key and its full text, which is shown once and never stored."""
    prefix, secret, full_key = ApiKey.generate()
    with organization_scope(organization):
        api_key = ApiKey.objects.create(
            name=name,
            prefix=prefix,
            secret_hash=hash_secret(secret),
            scopes=sorted(set(scopes)),
            created_by=actor if isinstance(actor, User) else None,
        )
    record_audit(actor, "api_key.created", api_key, {"name": name, "scopes": api_key.scopes})
    return api_key, full_key


def revoke_api_key(actor, api_key: ApiKey) -> None:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        record_audit(actor, "api_key.revoked", api_key, {"name": api_key.name})
