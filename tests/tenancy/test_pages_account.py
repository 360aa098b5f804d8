"""Signing in with an email address, signing out, resetting a password, picking an organization."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from tests.conftest import make_member
from vocapp.tenancy.models import Membership, Organization, User
from vocapp.tenancy.roles import Role
from vocapp.tenancy.views.account import (
    LOGIN_ATTEMPTS_PER_MINUTE,
    RESET_REQUESTS_PER_HOUR_PER_ADDRESS,
    RESET_REQUESTS_PER_HOUR_PER_CLIENT,
)

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
LOGIN = "/login/"
RESET_LINK = re.compile(r"https?://[^\s/]+(/password-reset/[^\s/]+/[^\s/]+/)")


def sign_in(client, email, password=PASSWORD, **extra):
    return client.post(LOGIN, {"username": email, "password": password}, **extra)


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- Signing in -----------------------------------------------------------------------------


def test_it_signs_in_with_the_email_address_and_lands_in_the_only_organization(client, admin_a):
    response = sign_in(client, "admin@alpha.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("tenancy:pick_organization")
    assert is_signed_in(client)
    # A member of one organization goes straight to it, no picker.
    landing = client.get(response["Location"])
    assert landing.status_code == 302
    assert landing["Location"] == "/o/alpha/"
    assert b"Alpha Shop" in client.get("/o/alpha/").content


def test_it_accepts_the_email_address_in_any_case(client, admin_a):
    response = sign_in(client, "  Admin@ALPHA.test ")
    assert response.status_code == 302, response.content
    assert client.session["_auth_user_id"] == str(admin_a.pk)


def test_it_says_what_is_wrong_with_a_wrong_password(client, admin_a):
    response = sign_in(client, "admin@alpha.test", "not the password")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Please enter a correct email address and password" in page
    # The address typed stays in the form; the password does not.
    assert 'value="admin@alpha.test"' in page
    assert "not the password" not in page
    assert not is_signed_in(client)


def test_it_gives_the_same_message_for_an_unknown_address(client, admin_a):
    wrong_password = sign_in(client, "admin@alpha.test", "not the password").content.decode()
    unknown = sign_in(client, "nobody@alpha.test", "not the password").content.decode()
    message = "Please enter a correct email address and password"
    assert message in wrong_password and message in unknown
    assert not is_signed_in(client)


def test_it_refuses_a_deactivated_account(client, admin_a):
    User.objects.filter(pk=admin_a.pk).update(is_active=False)
    response = sign_in(client, "admin@alpha.test")
    assert response.status_code == 200
    assert not is_signed_in(client)


def test_it_follows_next_after_signing_in(client, admin_a):
    response = client.get("/o/alpha/settings/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/o/alpha/settings/"
    response = client.post(
        LOGIN,
        {"username": "admin@alpha.test", "password": PASSWORD, "next": "/o/alpha/settings/"},
    )
    assert response["Location"] == "/o/alpha/settings/"


def test_it_ignores_a_next_pointing_to_another_site(client, admin_a):
    response = client.post(
        LOGIN,
        {"username": "admin@alpha.test", "password": PASSWORD, "next": "https://evil.test/"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("tenancy:pick_organization")


def test_it_rate_limits_sign_in_attempts_per_client_address(client, admin_a):
    for _ in range(LOGIN_ATTEMPTS_PER_MINUTE):
        assert sign_in(client, "admin@alpha.test", "guess").status_code == 200
    # Over the limit even the right password is refused, with a page that says why.
    response = sign_in(client, "admin@alpha.test")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert response["Content-Type"].startswith("text/html")
    assert "Too many sign-in attempts" in response.content.decode()
    assert not is_signed_in(client)
    # The counter is per client address: someone else still signs in.
    other = sign_in(client, "admin@alpha.test", REMOTE_ADDR="10.9.8.7")
    assert other.status_code == 302
    assert is_signed_in(client)


def test_it_does_not_count_showing_the_sign_in_page(client, admin_a):
    for _ in range(LOGIN_ATTEMPTS_PER_MINUTE + 2):
        assert client.get(LOGIN).status_code == 200
    assert sign_in(client, "admin@alpha.test").status_code == 302


# --- Signing out ----------------------------------------------------------------------------


def test_it_signs_out_with_a_post(client, admin_a):
    sign_in(client, "admin@alpha.test")
    # A link (GET) cannot sign anybody out: a page of another site could embed it.
    assert client.get("/logout/").status_code == 405
    assert is_signed_in(client)
    response = client.post("/logout/")
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert not is_signed_in(client)
    assert client.get("/o/alpha/")["Location"].startswith("/login/")


def test_it_offers_signing_out_in_the_page_header(client, admin_a):
    client.force_login(admin_a)
    page = client.get("/o/alpha/").content.decode()
    assert re.search(r'<form action="/logout/" method="post"', page)


# --- Password reset -------------------------------------------------------------------------


def ask_for_a_reset(client, email):
    return client.post("/password-reset/", {"email": email})


def test_it_resets_a_forgotten_password_by_email(client, admin_a):
    response = ask_for_a_reset(client, "admin@alpha.test")
    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["admin@alpha.test"]
    assert message.subject == "Choose a new password"
    # Plain text only, with the link in it.
    assert message.alternatives == []
    assert "<" not in message.body
    match = RESET_LINK.search(message.body)
    assert match, message.body

    link = client.get(match.group(1))
    # Django swaps the token for a session marker, then shows the form.
    assert link.status_code == 302
    form_url = link["Location"]
    assert b"Choose a new password" in client.get(form_url).content
    done = client.post(
        form_url,
        {"new_password1": "a brand new secret 42", "new_password2": "a brand new secret 42"},
    )
    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")

    assert sign_in(client, "admin@alpha.test", PASSWORD).status_code == 200
    assert not is_signed_in(client)
    assert sign_in(client, "admin@alpha.test", "a brand new secret 42").status_code == 302
    assert is_signed_in(client)


def test_it_uses_a_reset_link_once(client, admin_a):
    ask_for_a_reset(client, "admin@alpha.test")
    path = RESET_LINK.search(mail.outbox[0].body).group(1)
    form_url = client.get(path)["Location"]
    client.post(
        form_url, {"new_password1": "first new secret 42", "new_password2": "first new secret 42"}
    )
    client.logout()
    again = client.get(path, follow=True)
    assert b"This link no longer works" in again.content
    admin_a.refresh_from_db()
    assert admin_a.check_password("first new secret 42")


def test_it_refuses_a_weak_new_password(client, admin_a):
    ask_for_a_reset(client, "admin@alpha.test")
    form_url = client.get(RESET_LINK.search(mail.outbox[0].body).group(1))["Location"]
    response = client.post(form_url, {"new_password1": "12345678", "new_password2": "12345678"})
    assert response.status_code == 200
    assert b"This password is too common" in response.content
    admin_a.refresh_from_db()
    assert admin_a.check_password(PASSWORD)


def test_it_finds_the_account_whatever_the_case_of_the_address(client, admin_a):
    ask_for_a_reset(client, "ADMIN@Alpha.Test")
    assert [message.to for message in mail.outbox] == [["admin@alpha.test"]]


def test_it_answers_the_same_for_an_unknown_address_and_sends_nothing(client, admin_a):
    known = ask_for_a_reset(client, "admin@alpha.test")
    mail.outbox.clear()
    unknown = ask_for_a_reset(client, "nobody@alpha.test")
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"]
    assert mail.outbox == []
    page = client.get(unknown["Location"]).content.decode()
    assert "If an account uses this address" in page


# --- Organization picker --------------------------------------------------------------------


def test_it_shows_the_picker_to_a_member_of_several_organizations(client, admin_a, org_b):
    Membership.objects.create(organization=org_b, user=admin_a, role=Role.AGENT)
    response = sign_in(client, "admin@alpha.test")
    picker = client.get(response["Location"])
    assert picker.status_code == 200
    page = picker.content.decode()
    assert 'href="/o/alpha/"' in page and "Alpha Shop" in page
    assert 'href="/o/beta/"' in page and "Beta Bank" in page
    # With the role in each.
    assert re.search(r"Alpha Shop.*?Admin", page, re.S)
    assert re.search(r"Beta Bank.*?Agent", page, re.S)
    # Only the user's organizations.
    Organization.objects.create(name="Gamma Garage", slug="gamma")
    assert "Gamma Garage" not in client.get("/").content.decode()


def test_it_tells_a_user_without_organization_to_ask_for_an_invitation(client, db):
    User.objects.create_user("lonely@nowhere.test", PASSWORD)
    response = sign_in(client, "lonely@nowhere.test")
    picker = client.get(response["Location"])
    assert picker.status_code == 200
    assert b"not a member of any organization" in picker.content


def test_it_sends_a_visitor_from_the_picker_to_sign_in(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_it_sends_a_signed_in_visitor_of_the_sign_in_page_onwards(client, org_a):
    user = make_member(org_a, "agent@alpha.test", Role.AGENT)
    client.force_login(user)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == reverse("tenancy:pick_organization")


def test_it_links_the_reset_page_from_the_sign_in_page(client, db):
    page = client.get(LOGIN).content.decode()
    assert f'href="{reverse("password_reset")}"' in page


def test_it_sends_a_few_reset_links_an_hour_per_address_then_says_the_same_and_sends_nothing(
    client, admin_a
):
    for _ in range(RESET_REQUESTS_PER_HOUR_PER_ADDRESS + 2):
        response = client.post("/password-reset/", {"email": "ADMIN@alpha.test"})
        assert response.status_code == 302
        assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == RESET_REQUESTS_PER_HOUR_PER_ADDRESS


def test_it_refuses_a_client_asking_for_reset_links_for_many_addresses(client, db):
    for number in range(RESET_REQUESTS_PER_HOUR_PER_CLIENT):
        client.post("/password-reset/", {"email": f"probe{number}@example.test"})
    response = client.post("/password-reset/", {"email": "one-more@example.test"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Too many requests; try again in" in response.content.decode()
