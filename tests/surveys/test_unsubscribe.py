"""The unsubscribe link of every invitation (``/u/<token>/``): GET asks and changes nothing; the
customer's POST and the RFC 8058 one-click POST opt the address out of that channel."""

import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from surveys import dispatch
from surveys.models import Invitation, Message
from vocapp.contacts.models import AddressOptOut
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import make_contact, make_invitation, make_survey
from .test_dispatch import TUESDAY_10_PARIS, event, listen, post

pytestmark = pytest.mark.django_db

ONE_CLICK = "List-Unsubscribe=One-Click"


def url_of(invitation):
    return f"/u/{invitation.token}/"


def opt_outs(organization):
    with organization_scope(organization):
        return list(AddressOptOut.objects.values_list("channel", "address", "source"))


@pytest.fixture
def emailed(org_a):
    """An email invitation, as the dispatcher left it: its message went to this address."""
    contact = make_contact(org_a, email="camille@example.com", phone="+33612345678")
    invitation = make_invitation(make_survey(org_a), contact, channel="email")
    with organization_scope(org_a):
        Message.objects.create(
            invitation=invitation,
            channel="email",
            to="camille@example.com",
            sender="surveys@alpha.test",
            body="…",
            status="sent",
        )
    return invitation


@pytest.fixture
def csrf_client():
    """A browser: every POST needs the page's CSRF token, as in production."""
    return Client(enforce_csrf_checks=True)


def form_post(client, url):
    """Open the page and press its button, as a customer does."""
    page = client.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    return client.post(url, {"csrfmiddlewaretoken": token.group(1)})


def test_get_shows_a_confirmation_naming_the_channel_and_the_organization(
    csrf_client, emailed, org_a
):
    page = csrf_client.get(url_of(emailed))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Stop receiving surveys from Alpha Shop by email?" in text
    assert "c•••@example.com" in text and "camille@example.com" not in text
    assert "no-store" in page["Cache-Control"]
    assert opt_outs(org_a) == []  # a link scanner's GET changes nothing
    with organization_scope(org_a):
        assert not AuditEvent.objects.filter(action="contact.unsubscribed").exists()


def test_the_page_speaks_the_contacts_language(client, org_a):
    contact = make_contact(org_a, email="lea@example.com", locale="fr")
    invitation = make_invitation(make_survey(org_a), contact, channel="email")
    assert '<html lang="fr">' in client.get(url_of(invitation)).content.decode()
    assert (
        '<html lang="en">'
        in client.get(
            url_of(
                make_invitation(
                    make_survey(org_a, name="Other"),
                    make_contact(org_a, "c-2", email="x@example.com"),
                    channel="email",
                )
            )
        ).content.decode()
    )


def test_the_customers_post_opts_the_address_out(csrf_client, emailed, org_a):
    done = form_post(csrf_client, url_of(emailed))
    assert done.status_code == 200
    assert "Alpha Shop will send you no more surveys by email." in done.content.decode()
    assert opt_outs(org_a) == [("email", "camille@example.com", "unsubscribe")]
    with organization_scope(org_a):
        assert AuditEvent.objects.filter(action="contact.unsubscribed").count() == 1
    again = csrf_client.get(url_of(emailed))
    assert "You are already unsubscribed" in again.content.decode()


def test_a_post_without_the_csrf_token_changes_nothing(csrf_client, emailed, org_a):
    refused = csrf_client.post(url_of(emailed), {"confirm": "yes"})
    assert refused.status_code == 403
    assert opt_outs(org_a) == []


def test_the_one_click_post_needs_no_csrf_token(csrf_client, emailed, org_a):
    done = csrf_client.post(
        url_of(emailed), ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200
    assert opt_outs(org_a) == [("email", "camille@example.com", "unsubscribe")]
    # Twice (a provider retrying) is the same opt-out.
    csrf_client.post(url_of(emailed), ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert len(opt_outs(org_a)) == 1


def test_the_one_click_post_also_works_as_multipart(csrf_client, emailed, org_a):
    done = csrf_client.post(url_of(emailed), {"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert opt_outs(org_a) == [("email", "camille@example.com", "unsubscribe")]


@pytest.mark.parametrize(
    "body",
    [
        "List-Unsubscribe=One-Click&email=someone@example.com",
        "List-Unsubscribe=Yes",
        "List-Unsubscribe=One-Click&List-Unsubscribe=One-Click",
    ],
)
def test_any_other_body_needs_the_csrf_token(csrf_client, emailed, org_a, body):
    refused = csrf_client.post(
        url_of(emailed), body, content_type="application/x-www-form-urlencoded"
    )
    assert refused.status_code == 403
    assert opt_outs(org_a) == []


def test_an_sms_invitation_opts_the_phone_out_of_sms_only(client, org_a):
    contact = make_contact(org_a, email="lea@example.com", phone="+33698765432")
    invitation = make_invitation(make_survey(org_a), contact, channel="sms")
    with organization_scope(org_a):
        Message.objects.create(
            invitation=invitation, channel="sms", to="+33698765432", sender="+33700000000", body="…"
        )
    ask = client.get(url_of(invitation))
    assert "by text message?" in ask.content.decode() and "•••32" in ask.content.decode()
    client.post(url_of(invitation), ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert opt_outs(org_a) == [("sms", "+33698765432", "unsubscribe")]


def test_an_unknown_token_is_a_404_page(client, db):
    page = client.get("/u/not-a-real-token/")
    assert page.status_code == 404
    assert "This unsubscribe link is not valid" in page.content.decode()
    one_click = client.post(
        "/u/not-a-real-token/", ONE_CLICK, content_type="application/x-www-form-urlencoded"
    )
    assert one_click.status_code == 404


def test_it_opts_out_in_the_invitations_organization_only(client, emailed, org_a, org_b):
    other = make_contact(org_b, email="camille@example.com")
    make_invitation(make_survey(org_b), other, channel="email")
    client.post(url_of(emailed), ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert len(opt_outs(org_a)) == 1
    assert opt_outs(org_b) == []


def test_an_erased_contact_has_nothing_left_to_unsubscribe(client, org_a):
    contact = make_contact(org_a, email="")
    invitation = make_invitation(make_survey(org_a), contact, channel="email")
    page = client.get(url_of(invitation))
    assert page.status_code == 200 and "Nothing to unsubscribe" in page.content.decode()
    client.post(url_of(invitation), ONE_CLICK, content_type="application/x-www-form-urlencoded")
    assert opt_outs(org_a) == []


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY_10_PARIS, tick=False) as traveller:
        yield traveller


def test_after_unsubscribing_the_dispatcher_suppresses_what_was_scheduled(
    api_client_for, org_a, clock, client
):
    """The unsubscribe link of an email that went out; a second invitation to the same address
    (another contact of the household) was already scheduled: it is not sent."""
    listen(org_a, channels=("email",))
    api = api_client_for(org_a, scopes=("ingest", "read"))
    [first] = post(api, event(1, email="home@example.test"))
    dispatch.dispatch_due()
    [sent] = mail.outbox
    link = re.search(r"<([^>]+)>", sent.extra_headers["List-Unsubscribe"]).group(1)
    [second] = post(api, event(2, email="home@example.test"))
    with organization_scope(org_a):
        assert Invitation.objects.get(pk=second).state == "scheduled"

    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.post(path, ONE_CLICK, content_type="application/x-www-form-urlencoded")
    dispatch.dispatch_due()
    with organization_scope(org_a):
        held = Invitation.objects.get(pk=second)
    assert (held.state, held.reason) == ("suppressed", "opted_out_since_scheduled")
    assert len(mail.outbox) == 1
