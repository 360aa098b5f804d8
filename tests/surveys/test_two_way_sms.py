"""Two-way SMS: customers text their score and their verbatim back to the number that asked.

Replies are posted to ``/webhooks/twilio/inbound/`` as Twilio would, signed with twilio's own
``RequestValidator``; our replies go out through the SMS backend (the in-memory outbox, or the real
SDK to the local fake Twilio API).
"""

import logging
import secrets
from datetime import timedelta

import pytest
from twilio.request_validator import RequestValidator

from surveys import dispatch
from surveys.conversation import keyword_of, parse_score
from surveys.models import (
    Answer,
    DeliveryPolicy,
    Invitation,
    Message,
    Question,
    Response,
    SenderNumber,
    TwilioAccount,
)
from vocapp.contacts.models import AddressOptOut
from vocapp.messaging.gsm7 import is_gsm7, segments
from vocapp.messaging.templates import render_sms
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope

from .test_dispatch import clock, event, hot_rule, listen, post, shared_sender  # noqa: F401

PATH = "/webhooks/twilio/inbound/"
SENDER = "+15005550006"  # the shared number of test_dispatch's ``shared_sender``
PHONE = "+33612345601"  # event(1)'s contact
ACCOUNT_SID = "AC" + "a1" * 16
AUTH_TOKEN = "b2" * 16
# The longest variables an SMS is budgeted for (tests/messaging/test_templates.py).
LONGEST = {
    "organization": "Compagnie Générale des Eaux SA",
    "link": "https://surveys.example-company.com/s/" + "0123456789abcdef" * 2 + "/",
    "low": 0,
    "high": 10,
}
# A follow-up question of 81 characters: the organization's own words.
QUESTION = "What would make our next delivery to your home or to a parcel locker even better?"


@pytest.fixture
def platform_account(settings):
    """The platform's Twilio account: it serves (and signs for) the shared numbers."""
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


@pytest.fixture
def text(client, settings):
    """``text("9")``: the customer's SMS, posted and signed as Twilio does."""

    def send(body, *, phone=PHONE, to=SENDER, sid=None, token=None, account=None, signature=None):
        sid = sid or "SM" + secrets.token_hex(16)
        params = {
            "AccountSid": account or settings.TWILIO_ACCOUNT_SID,
            "ApiVersion": "2010-04-01",
            "Body": body,
            "From": phone,
            "MessageSid": sid,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsSid": sid,
            "To": to,
        }
        url = settings.PUBLIC_BASE_URL.rstrip("/") + PATH
        validator = RequestValidator(token or settings.TWILIO_AUTH_TOKEN)
        signed = validator.compute_signature(url, params)
        return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature or signed)

    return send


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("ingest", "read"))


@pytest.fixture
def invited(api, hot_rule, clock, sms_outbox, platform_account):  # noqa: F811
    """Organization A's NPS invitation, sent by SMS from the shared number to PHONE."""
    return send_invitation(api, hot_rule.organization)


def send_invitation(api, organization, **contact):
    [pk] = post(api, event(**contact))
    dispatch.dispatch_due()
    with organization_scope(organization):
        invitation = Invitation.objects.get(pk=pk)
    assert invitation.state == "sent"
    return invitation


def answers(organization) -> dict:
    with organization_scope(organization):
        return {
            answer.question.key: answer.score if answer.score is not None else answer.text
            for answer in Answer.objects.select_related("question")
        }


def received(organization) -> list:
    with organization_scope(organization):
        return list(Message.objects.filter(direction="in").order_by("pk"))


def last_reply(outbox):
    sms = outbox[-1]
    assert (sms.sender, sms.to) == (SENDER, PHONE)  # from the number the customer texted
    return sms.body


# --- Reading a reply ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "score"),
    [
        ("9", 9),
        (" 10 !", 10),
        ("9/10", 9),
        ("9 / 10", 9),
        ("9 sur 10", 9),
        ("10 out of 10", 10),
        ("je mets 9", 9),
        ("Note: 10!", 10),
        ("0", 0),
        ("８", 8),  # a full-width digit from an Asian keyboard
    ],
)
def test_it_reads_a_score_however_it_is_written(body, score):
    assert parse_score(body, 0, 10) == score


@pytest.mark.parametrize(
    "body", ["7 or 8", "7-8", "7 ou 8", "99", "-1", "12", "8.5", "neuf", "great!", "", "9/5"]
)
def test_it_refuses_ambiguous_or_out_of_range_scores(body):
    assert parse_score(body, 0, 10) is None


def test_it_reads_a_score_on_the_questions_own_scale():
    assert parse_score("5/5", 1, 5) == 5
    assert parse_score("4 sur 5", 1, 5) == 4
    assert parse_score("0", 1, 5) is None
    assert parse_score("6", 1, 5) is None


@pytest.mark.parametrize(
    "body", ["STOP", "stop", " Stop! ", "STOPALL", "Arrêt", "ARRET", "unsubscribe", "Désabonner"]
)
def test_it_knows_the_opt_out_words_in_any_case_and_accent(body):
    assert keyword_of(body) in {"STOP", "STOPALL", "ARRET", "UNSUBSCRIBE", "DESABONNER"}


def test_a_sentence_with_stop_in_it_is_not_a_keyword():
    assert keyword_of("please stop the delays") == "PLEASE STOP THE DELAYS"


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize(
    ("name", "extra"),
    [
        *[("reply-help", {"step": step}) for step in ("score", "verbatim", "page", "closed")],
        ("reply-link", {}),
        ("reply-follow-up", {"question": QUESTION}),
    ],
)
def test_every_reply_fits_one_gsm7_segment(name, extra, locale):
    body = render_sms(name, {**LONGEST, **extra}, locale=locale)
    assert is_gsm7(body) and segments(body) == 1


# --- Signatures ---------------------------------------------------------------------------


def test_a_forged_or_unsigned_reply_is_refused_and_changes_nothing(client, invited, text):
    assert text("9", signature="forged").status_code == 403
    assert client.post(PATH, {"From": PHONE, "To": SENDER, "Body": "9"}).status_code == 403
    assert text("9", token="c3" * 16).status_code == 403  # signed with the wrong token
    assert received(invited.organization) == [] and answers(invited.organization) == {}


def test_an_organizations_own_account_cannot_speak_for_a_shared_number(
    invited, text, org_b, sms_outbox
):
    with organization_scope(org_b):
        own = TwilioAccount.objects.create(
            label="B's own", account_sid="AC" + "d4" * 16, auth_token="e5" * 16
        )
    # Correctly signed by B's account, but the shared number is the platform's.
    answer = text("STOP", account=own.account_sid, token=own.auth_token)
    assert answer.status_code == 403
    assert AddressOptOut.objects.unscoped().count() == 0
    assert received(invited.organization) == []


def test_an_organizations_own_number_takes_replies_signed_by_its_own_account_only(
    api,
    hot_rule,  # noqa: F811
    clock,  # noqa: F811
    sms_outbox,
    platform_account,
    text,
):
    organization = hot_rule.organization
    with organization_scope(organization):
        own = TwilioAccount.objects.create(
            label="A's own", account_sid="AC" + "d4" * 16, auth_token="e5" * 16
        )
        SenderNumber.objects.create(organization=organization, number="+33700000001", account=own)
    SenderNumber.objects.filter(organization__isnull=True).update(active=False)
    send_invitation(api, organization)
    assert sms_outbox[0].sender == "+33700000001"
    assert text("9", to="+33700000001").status_code == 403  # the platform does not own it
    answer = text("9", to="+33700000001", account=own.account_sid, token=own.auth_token)
    assert answer.status_code == 200
    assert answers(organization) == {"nps": 9}
    assert (sms_outbox[-1].sender, sms_outbox[-1].to) == ("+33700000001", PHONE)


def test_a_reply_without_its_fields_is_a_400_that_names_them(db, platform_account, text):
    assert text("9", phone="").status_code == 400
    assert b"From" in text("9", phone="").content


# --- The conversation ---------------------------------------------------------------------


def test_a_score_is_recorded_at_once_and_the_follow_up_question_goes_back(
    invited, text, sms_outbox
):
    outbox = sms_outbox
    answer = text("9/10")
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/xml")
    assert answer.content.decode().endswith("<Response/>")
    assert answers(invited.organization) == {"nps": 9}
    with organization_scope(invited.organization):
        invitation = Invitation.objects.get(pk=invited.pk)
        response = Response.objects.get()
        reply = Message.objects.filter(direction="out").latest("pk")
    assert invitation.state == "answered"
    assert (response.invitation_id, response.channel, response.completed_at) == (
        invited.pk,
        "sms",
        None,
    )
    assert len(outbox) == 2
    assert "What did you like most?" in last_reply(outbox)
    # The reply is a message like any other: recorded, sent, linked to its invitation.
    assert (reply.invitation_id, reply.status, reply.to, reply.sender) == (
        invited.pk,
        "sent",
        PHONE,
        SENDER,
    )
    assert reply.body == outbox[-1].body and reply.provider_id
    [stored] = received(invited.organization)
    assert (stored.body, stored.sender, stored.to, stored.invitation_id) == (
        "9/10",
        PHONE,
        SENDER,
        invited.pk,
    )


def test_the_next_reply_is_the_verbatim_and_then_the_response_is_complete(
    invited, text, sms_outbox
):
    text("je mets 3")
    assert "What went wrong?" in last_reply(sms_outbox)
    text("The parcel came two days late")
    assert answers(invited.organization) == {
        "nps": 3,
        "what_went_wrong": "The parcel came two days late",
    }
    with organization_scope(invited.organization):
        assert Response.objects.get().completed_at is not None
    assert len(sms_outbox) == 2  # nothing is left to ask: no link
    text("and the box was crushed")  # after the end: kept, not an answer
    assert len(answers(invited.organization)) == 2
    assert [m.body for m in received(invited.organization)][-1] == "and the box was crushed"


def test_the_rest_of_the_survey_goes_as_the_survey_link(invited, text, sms_outbox):
    with organization_scope(invited.organization):
        Question.objects.create(
            version=invited.survey_version,
            key="again",
            position=99,
            kind="single",
            texts={"en": "Will you order again?", "fr": "Commanderez-vous de nouveau ?"},
            choices=[
                {"key": "yes", "texts": {"en": "Yes", "fr": "Oui"}},
                {"key": "no", "texts": {"en": "No", "fr": "Non"}},
            ],
        )
    text("8")
    assert "What would have made it a 10?" in last_reply(sms_outbox)
    text("Faster delivery")
    assert f"/s/{invited.token}/" in last_reply(sms_outbox)
    with organization_scope(invited.organization):
        assert Response.objects.get().completed_at is None  # the page completes it


def test_a_follow_up_too_long_for_one_sms_is_asked_on_the_page(invited, text, sms_outbox):
    with organization_scope(invited.organization):
        Question.objects.filter(key="what_you_liked").update(texts={"en": "Why? " * 40})
    text("10")
    assert answers(invited.organization) == {"nps": 10}
    assert f"/s/{invited.token}/" in last_reply(sms_outbox)


@pytest.mark.parametrize("body", ["7 or 8", "7-8", "12", "99", "-1", "great service"])
def test_an_ambiguous_or_out_of_range_reply_gets_the_help_text(invited, text, sms_outbox, body):
    assert text(body).status_code == 200
    assert answers(invited.organization) == {}
    reply = last_reply(sms_outbox)
    assert "0 to 10" in reply and "STOP" in reply
    assert len(received(invited.organization)) == 1  # kept all the same


def test_help_gets_the_help_text_and_a_score_still_counts_after_it(invited, text, sms_outbox):
    text("help")
    assert "reply with one number from 0 to 10" in last_reply(sms_outbox)
    text("10")
    assert answers(invited.organization) == {"nps": 10}


def test_the_help_text_and_the_follow_up_are_in_the_contacts_language(
    api,
    hot_rule,  # noqa: F811
    clock,  # noqa: F811
    sms_outbox,
    platform_account,
    text,
):
    send_invitation(api, hot_rule.organization, locale="fr")
    text("Aide")
    # Fails until the French of /work/tr8/G.py is in locale/fr and compiled.
    assert "répondez par un nombre de 0 à 10" in last_reply(sms_outbox)
    text("9 sur 10")
    assert "Qu'avez-vous le plus apprécié ?" in last_reply(sms_outbox)
    with organization_scope(hot_rule.organization):
        assert Response.objects.get().locale == "fr"


def test_a_retried_webhook_is_processed_once(invited, text, sms_outbox):
    sid = "SM" + "f6" * 16
    assert text("9", sid=sid).status_code == 200
    assert text("9", sid=sid).status_code == 200  # Twilio did not get our answer in time
    assert len(received(invited.organization)) == 1
    assert len(sms_outbox) == 2  # one follow-up question, not two
    text("Quick delivery", sid="SM" + "07" * 16)
    assert answers(invited.organization) == {"nps": 9, "what_you_liked": "Quick delivery"}


def test_a_reply_after_expiry_is_a_late_verbatim_not_an_answer(invited, text, sms_outbox, clock):  # noqa: F811
    clock.move_to(invited.expires_at + timedelta(minutes=1))
    assert text("9, and thanks for the quick delivery").status_code == 200
    assert answers(invited.organization) == {}
    with organization_scope(invited.organization):
        assert not Response.objects.exists()
    [late] = received(invited.organization)
    assert (late.invitation_id, late.body) == (invited.pk, "9, and thanks for the quick delivery")
    assert len(sms_outbox) == 1  # nothing sent back


def test_a_reply_from_an_unknown_number_is_logged_and_stored_nowhere(
    invited, text, sms_outbox, caplog
):
    with caplog.at_level(logging.INFO, logger="surveys.conversation"):
        assert text("9", phone="+33699999999").status_code == 200
    assert "never texted" in caplog.text
    assert Message.objects.unscoped().filter(direction="in").count() == 0
    assert Answer.objects.unscoped().count() == 0 and len(sms_outbox) == 1


def test_a_reply_counts_in_the_monthly_sms_cap(invited, text, sms_outbox):
    with organization_scope(invited.organization):
        DeliveryPolicy.objects.create(sms_monthly_cap=2)
    text("9")  # the follow-up is the second segment of the month
    assert len(sms_outbox) == 2
    with organization_scope(invited.organization):
        assert dispatch.segments_this_month(invited.organization, invited.sent_at) == 2
    text("Quick delivery")
    text("help")  # the cap is reached: the answer counts, no third SMS
    assert answers(invited.organization) == {"nps": 9, "what_you_liked": "Quick delivery"}
    assert len(sms_outbox) == 2


# --- STOP and START -----------------------------------------------------------------------


@pytest.fixture
def texted_by_both(api, org_b, api_client_for, hot_rule, clock, sms_outbox, platform_account):  # noqa: F811
    """A and then B texted PHONE from the same shared number."""
    a = send_invitation(api, hot_rule.organization)
    listen(org_b)
    b = send_invitation(api_client_for(org_b, scopes=("ingest",)), org_b)
    assert a.organization_id != b.organization_id
    return a, b


def opted_out(organization) -> list:
    with organization_scope(organization):
        return list(AddressOptOut.objects.values_list("channel", "address", "source"))


@pytest.mark.parametrize(
    "word",
    ["STOP", " stop. ", "STOPALL", "ARRET", "Arrêt", "UNSUBSCRIBE", "desabonner", "DÉSABONNER"],
)
def test_stop_opts_the_phone_out_for_every_organization_that_texted_it_from_that_number(
    texted_by_both, text, sms_outbox, word
):
    a, b = texted_by_both
    bystander = Organization.objects.create(name="Gamma", slug="gamma")
    assert text(word).status_code == 200
    for organization in (a.organization, b.organization):
        assert opted_out(organization) == [("sms", PHONE, "sms_stop")]
    assert opted_out(bystander) == []  # it never texted that phone
    assert len(sms_outbox) == 2  # no answer to a STOP
    assert answers(a.organization) == answers(b.organization) == {}


def test_after_stop_the_next_invitation_to_that_phone_takes_the_rules_other_channel(
    invited, text, api, sms_outbox
):
    text("STOP")
    [pk] = post(api, event(2, phone=PHONE, email="other@example.test"))
    dispatch.dispatch_due()
    with organization_scope(invited.organization):
        next_one = Invitation.objects.get(pk=pk)
    assert (next_one.channel, next_one.state) == ("email", "sent")  # another contact, same phone
    assert len(sms_outbox) == 1


def test_start_takes_back_only_the_opt_outs_stop_made(texted_by_both, text):
    a, b = texted_by_both
    text("STOP")
    with organization_scope(b.organization):
        AddressOptOut.objects.filter(address=PHONE).update(source="manual")  # a manager's
    text("Start")
    assert opted_out(a.organization) == []
    assert opted_out(b.organization) == [("sms", PHONE, "manual")]


# --- Shared numbers -----------------------------------------------------------------------


def test_on_a_shared_number_the_reply_is_credited_to_the_latest_organization_only(
    texted_by_both, text, sms_outbox
):
    a, b = texted_by_both
    text("8")
    assert answers(b.organization) == {"nps": 8}
    assert answers(a.organization) == {}
    with organization_scope(b.organization):
        assert Message.objects.filter(direction="in").get().invitation_id == b.pk
    assert received(a.organization) == []


def test_the_latest_unexpired_invitation_takes_the_reply(texted_by_both, text, clock):  # noqa: F811
    a, b = texted_by_both
    Invitation.objects.unscoped().filter(pk=b.pk).update(expires_at=a.sent_at)
    text("6")
    assert answers(a.organization) == {"nps": 6}
    assert answers(b.organization) == {}


# --- Through the real Twilio SDK ----------------------------------------------------------


def test_the_follow_up_goes_through_the_real_sdk_from_the_number_texted(
    api,
    hot_rule,  # noqa: F811
    clock,  # noqa: F811
    fake_twilio,
    text,
):
    invitation = send_invitation(api, hot_rule.organization)
    assert text("10").status_code == 200  # signed with the fake's account: the platform's
    first, reply = fake_twilio.messages
    assert (reply.sender, reply.to) == (first.sender, first.to) == (SENDER, PHONE)
    assert "What did you like most?" in reply.body
    assert reply.status_callback.endswith("/webhooks/twilio/status/")
    with organization_scope(hot_rule.organization):
        recorded = Message.objects.filter(direction="out").latest("pk")
        # The customer answered: the invitation's SMS reached them.
        assert Message.objects.get(provider_id=first.sid).status == "delivered"
    assert (recorded.provider_id, recorded.status) == (reply.sid, "sent")
    assert recorded.invitation_id == invitation.pk


def test_erasing_the_contact_scrubs_their_number_and_words_from_replies(invited, text):
    from surveys import gdpr

    text("3")
    text("The parcel came crushed")
    with organization_scope(invited.organization):
        exported = gdpr.export_messages(invited.contact)
        assert {m["direction"] for m in exported} == {"in", "out"}
        assert any(m["from"] == PHONE and m["body"] == "3" for m in exported)
        gdpr.erase_messages(invited.contact)
        replies = list(Message.objects.filter(direction="in"))
        sent = list(Message.objects.filter(direction="out"))
    assert replies and all((m.sender, m.body) == ("[erased]", "[erased]") for m in replies)
    assert sent and all((m.to, m.body) == ("[erased]", "[erased]") for m in sent)
