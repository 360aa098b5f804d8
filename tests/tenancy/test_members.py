"""Members: invitations by email and joining from them, roles, removal, the last admin."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from tests.conftest import make_member
from vocapp.tenancy.models import AuditEvent, Membership, MembershipInvite, Team, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.services import invite_member

pytestmark = pytest.mark.django_db

MEMBERS = "/o/alpha/settings/members/"
JOIN_LINK = re.compile(r"https?://\S+(/join/[A-Za-z0-9_\-]+/)")


def invite(client, email, role=Role.AGENT):
    return client.post(MEMBERS, {"email": email, "role": role})


def join_path_of(message) -> str:
    match = JOIN_LINK.search(message.body)
    assert match, message.body
    return match.group(1)


def membership(organization, user):
    return Membership.objects.filter(organization=organization, user=user).first()


def role_url(member_ship):
    return reverse("tenancy:member_role", kwargs={"org_slug": "alpha", "pk": member_ship.pk})


def remove_url(member_ship):
    return reverse("tenancy:member_remove", kwargs={"org_slug": "alpha", "pk": member_ship.pk})


def page_messages(client, response) -> str:
    assert response.status_code == 302, response.content
    return client.get(response["Location"]).content.decode()


# --- Inviting -------------------------------------------------------------------------------


def test_it_emails_an_invitation_with_a_link(client, admin_a, org_a):
    client.force_login(admin_a)
    response = invite(client, "New.Person@Example.com", Role.CX_MANAGER)
    page = page_messages(client, response)
    assert "Invitation sent to new.person@example.com" in page
    # Listed as pending, with its role.
    assert re.search(r"new.person@example.com – CX manager – valid until", page)

    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    assert message.subject == "Join Alpha Shop"
    assert message.alternatives == []
    assert "invites you to join Alpha Shop as CX manager" in message.body
    link = JOIN_LINK.search(message.body)
    assert link
    # The link points at the public address of the site.
    assert link.group(0).startswith("http://127.0.0.1:8000/join/")
    # Only the token's hash is kept.
    token = link.group(1).split("/")[2]
    stored = MembershipInvite.objects.unscoped().values().get()
    assert token not in str(stored)
    assert stored["role"] == Role.CX_MANAGER
    assert stored["expires_at"] - timezone.now() > timedelta(days=6, hours=23)


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_lets_only_admins_invite(client, org_a, admin_a, manager_a, agent_a, role):
    client.force_login({Role.CX_MANAGER: manager_a, Role.AGENT: agent_a}[role])
    response = invite(client, "sneaky@example.com", Role.ADMIN)
    assert response.status_code == 403
    assert mail.outbox == []
    assert not MembershipInvite.objects.unscoped().exists()


def test_it_answers_404_to_an_admin_of_another_organization(client, org_a, outsider):
    client.force_login(outsider)
    assert invite(client, "sneaky@example.com", Role.ADMIN).status_code == 404
    assert mail.outbox == []


def test_it_refuses_to_invite_a_member(client, admin_a, agent_a):
    client.force_login(admin_a)
    response = invite(client, "AGENT@alpha.test")
    assert response.status_code == 400
    assert "This person is already a member." in response.content.decode()
    assert mail.outbox == []


def test_it_refuses_a_bad_address_or_role(client, admin_a):
    client.force_login(admin_a)
    response = client.post(MEMBERS, {"email": "not an address", "role": "owner"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Select a valid choice. owner is not one of the available choices." in page
    assert mail.outbox == []


# --- Joining --------------------------------------------------------------------------------


def test_a_new_person_creates_an_account_and_joins_with_the_role(client, admin_a, org_a):
    client.force_login(admin_a)
    invite(client, "newcomer@example.com", Role.CX_MANAGER)
    path = join_path_of(mail.outbox[0])
    client.logout()

    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Join Alpha Shop" in text
    assert "This invitation is for newcomer@example.com, as CX manager." in text

    response = client.post(path, {"full_name": "Nina Newcomer", "password": "a long new secret 7"})
    assert response.status_code == 302
    assert response["Location"] == "/o/alpha/"
    user = User.objects.get(email="newcomer@example.com")
    assert user.full_name == "Nina Newcomer"
    assert membership(org_a, user).role == Role.CX_MANAGER
    # Signed in as the new account, welcomed, and the password works next time.
    assert client.session["_auth_user_id"] == str(user.pk)
    assert "Welcome to Alpha Shop." in client.get("/o/alpha/").content.decode()
    client.logout()
    signed_in = client.post(
        "/login/", {"username": "newcomer@example.com", "password": "a long new secret 7"}
    )
    assert signed_in.status_code == 302


def test_it_checks_the_new_password(client, admin_a, org_a):
    invite_member(admin_a, org_a, email="newcomer@example.com", role=Role.AGENT)
    path = join_path_of(mail.outbox[0])
    response = client.post(path, {"full_name": "Nina", "password": "newcomer"})
    assert response.status_code == 200
    text = response.content.decode()
    assert "The password is too similar to the email address." in text
    assert not User.objects.filter(email="newcomer@example.com").exists()
    # The invitation is still valid.
    assert client.get(path).status_code == 200


def test_an_existing_user_accepts_while_signed_in(client, admin_a, org_a, outsider):
    invite_member(admin_a, org_a, email="ADMIN@beta.test", role=Role.AGENT)
    path = join_path_of(mail.outbox[0])
    client.force_login(outsider)
    page = client.get(path).content.decode()
    assert "Accept the invitation" in page
    assert 'name="password"' not in page
    response = client.post(path)
    assert response["Location"] == "/o/alpha/"
    assert membership(org_a, outsider).role == Role.AGENT
    # Still a member of their first organization, so the picker shows both.
    picker = client.get("/").content.decode()
    assert "Alpha Shop" in picker and "Beta Bank" in picker


def test_an_existing_user_signs_in_first_then_accepts(client, admin_a, org_a, outsider):
    invite_member(admin_a, org_a, email="admin@beta.test", role=Role.CX_MANAGER)
    path = join_path_of(mail.outbox[0])
    page = client.get(path).content.decode()
    assert "You already have an account: sign in with this address to accept." in page
    assert f'href="/login/?next={path}"' in page
    signed_in = client.post(
        "/login/",
        {"username": "admin@beta.test", "password": "correct horse battery", "next": path},
    )
    assert signed_in["Location"] == path
    client.post(path)
    assert membership(org_a, outsider).role == Role.CX_MANAGER


def test_it_refuses_an_invitation_to_someone_signed_in_as_another_person(
    client, admin_a, org_a, outsider, agent_a
):
    invite_member(admin_a, org_a, email="admin@beta.test", role=Role.ADMIN)
    path = join_path_of(mail.outbox[0])
    client.force_login(agent_a)
    page = client.get(path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "You are signed in as agent@alpha.test" in text
    assert "this invitation is for admin@beta.test" in text
    # A way out: sign out, and come back to the invitation.
    assert re.search(r'<form method="post" action="/logout/"', text)
    assert f'name="next" value="/login/?next={path}"' in text

    response = client.post(path)
    assert response.status_code == 403
    assert "this invitation is for admin@beta.test" in response.content.decode()
    assert membership(org_a, outsider) is None
    assert membership(org_a, agent_a).role == Role.AGENT
    signed_out = client.post("/logout/", {"next": f"/login/?next={path}"})
    assert signed_out["Location"] == f"/login/?next={path}"
    # Not used up: the right person may still accept it.
    client.force_login(outsider)
    client.post(path)
    assert membership(org_a, outsider).role == Role.ADMIN


def test_it_refuses_an_invitation_for_an_existing_account_to_a_visitor(
    client, admin_a, org_a, outsider
):
    invite_member(admin_a, org_a, email="admin@beta.test", role=Role.ADMIN)
    path = join_path_of(mail.outbox[0])
    # Whoever holds the link may not take over an existing account by posting a password.
    response = client.post(path, {"full_name": "Mallory", "password": "a long new secret 7"})
    assert response.status_code == 403
    assert membership(org_a, outsider) is None
    outsider.refresh_from_db()
    assert outsider.check_password("correct horse battery")
    assert "_auth_user_id" not in client.session


def invalid_page(client, path):
    response = client.get(path)
    assert response.status_code == 404
    text = response.content.decode()
    assert "This invitation is no longer valid" in text
    return text


def test_it_refuses_an_expired_invitation(client, admin_a, org_a):
    invite_member(admin_a, org_a, email="late@example.com", role=Role.AGENT)
    path = join_path_of(mail.outbox[0])
    MembershipInvite.objects.unscoped().update(expires_at=timezone.now() - timedelta(minutes=1))
    assert "older than 7 days" in invalid_page(client, path)
    response = client.post(path, {"full_name": "Late", "password": "a long new secret 7"})
    assert response.status_code == 404
    assert not User.objects.filter(email="late@example.com").exists()


def test_it_uses_an_invitation_once(client, admin_a, org_a):
    invite_member(admin_a, org_a, email="once@example.com", role=Role.AGENT)
    path = join_path_of(mail.outbox[0])
    client.post(path, {"full_name": "Once", "password": "a long new secret 7"})
    client.logout()
    assert "already used" in invalid_page(client, path)
    assert (
        Membership.objects.filter(organization=org_a, user__email="once@example.com").count() == 1
    )


def test_it_refuses_a_withdrawn_invitation(client, admin_a, org_a):
    invite_member(admin_a, org_a, email="withdrawn@example.com", role=Role.AGENT)
    path = join_path_of(mail.outbox[0])
    client.force_login(admin_a)
    invite_row = MembershipInvite.objects.unscoped().get()
    response = client.post(
        reverse("tenancy:invite_revoke", kwargs={"org_slug": "alpha", "pk": invite_row.pk})
    )
    assert "Invitation withdrawn." in page_messages(client, response)
    assert "withdrawn@example.com" not in client.get(MEMBERS).content.decode()
    client.logout()
    assert "withdrawn" in invalid_page(client, path)


def test_it_refuses_an_unknown_token(client, db):
    invalid_page(client, "/join/not-a-real-token/")


def test_it_does_not_let_another_organization_withdraw_an_invitation(
    client, admin_a, org_a, outsider
):
    invite_member(admin_a, org_a, email="kept@example.com", role=Role.AGENT)
    invite_row = MembershipInvite.objects.unscoped().get()
    client.force_login(outsider)
    response = client.post(
        reverse("tenancy:invite_revoke", kwargs={"org_slug": "beta", "pk": invite_row.pk})
    )
    assert response.status_code == 404
    invite_row.refresh_from_db()
    assert invite_row.is_pending


# --- Roles and removal ----------------------------------------------------------------------


def test_it_changes_a_role(client, admin_a, agent_a, org_a):
    client.force_login(admin_a)
    agent_membership = membership(org_a, agent_a)
    response = client.post(
        role_url(agent_membership), {f"m{agent_membership.pk}-role": Role.CX_MANAGER}
    )
    assert "Role changed." in page_messages(client, response)
    assert membership(org_a, agent_a).role == Role.CX_MANAGER
    # The new role takes effect at once: a CX manager may configure, still not manage settings.
    client.force_login(agent_a)
    assert client.get(MEMBERS).status_code == 403


def test_it_refuses_an_unknown_role(client, admin_a, agent_a, org_a):
    client.force_login(admin_a)
    agent_membership = membership(org_a, agent_a)
    response = client.post(role_url(agent_membership), {f"m{agent_membership.pk}-role": "owner"})
    assert "Choose a valid role." in page_messages(client, response)
    assert membership(org_a, agent_a).role == Role.AGENT


def test_it_keeps_the_last_admin(client, admin_a, org_a):
    client.force_login(admin_a)
    own = membership(org_a, admin_a)
    response = client.post(role_url(own), {f"m{own.pk}-role": Role.AGENT})
    assert "An organization keeps at least one admin." in page_messages(client, response)
    assert membership(org_a, admin_a).role == Role.ADMIN

    response = client.post(remove_url(own))
    assert "An organization keeps at least one admin." in page_messages(client, response)
    assert membership(org_a, admin_a) is not None
    assert not AuditEvent.objects.unscoped().filter(action__startswith="member.").exists()


def test_it_lets_an_admin_step_down_when_another_remains(client, admin_a, manager_a, org_a):
    client.force_login(admin_a)
    manager_membership = membership(org_a, manager_a)
    client.post(role_url(manager_membership), {f"m{manager_membership.pk}-role": Role.ADMIN})
    own = membership(org_a, admin_a)
    client.post(role_url(own), {f"m{own.pk}-role": Role.AGENT})
    assert membership(org_a, admin_a).role == Role.AGENT
    # manager_a is now the last admin and stays one.
    client.force_login(manager_a)
    response = client.post(remove_url(membership(org_a, manager_a)))
    assert "keeps at least one admin" in page_messages(client, response)


def test_it_removes_a_member_from_the_organization_and_its_teams(
    client, admin_a, manager_a, agent_a, org_a
):
    with organization_scope(org_a):
        team = Team.objects.create(name="After-sales", lead=manager_a)
        team.members.add(agent_a, manager_a)
    client.force_login(admin_a)
    response = client.post(remove_url(membership(org_a, manager_a)))
    assert "manager@alpha.test was removed." in page_messages(client, response)
    assert membership(org_a, manager_a) is None
    team.refresh_from_db()
    assert team.lead is None
    assert list(team.members.all()) == [agent_a]
    # The account stays (it may belong to other organizations), without access to this one.
    client.force_login(manager_a)
    assert client.get("/o/alpha/").status_code == 404


def test_it_answers_404_for_a_member_of_another_organization(client, admin_a, outsider, org_b):
    client.force_login(admin_a)
    foreign = membership(org_b, outsider)
    assert client.post(role_url(foreign), {f"m{foreign.pk}-role": Role.AGENT}).status_code == 404
    assert client.post(remove_url(foreign)).status_code == 404
    assert membership(org_b, outsider).role == Role.ADMIN


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_lets_only_admins_change_members(client, org_a, admin_a, role):
    user = make_member(org_a, f"{role}@alpha.test", role)
    client.force_login(user)
    target = membership(org_a, admin_a)
    assert client.post(role_url(target), {f"m{target.pk}-role": Role.AGENT}).status_code == 403
    assert client.post(remove_url(target)).status_code == 403
    assert membership(org_a, admin_a).role == Role.ADMIN
