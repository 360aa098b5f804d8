"""Dispatch: due invitations leave by SMS or email, checked again, paced, fair, never twice."""

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection

from journeys.models import Touchpoint
from journeys.services import create_journey_from_template
from surveys import dispatch, followups, provider_events, sending, tasks
from surveys.library import create_from_library
from surveys.models import DeliveryPolicy, Invitation, ListeningRule, Message, SenderNumber
from vocapp.contacts.models import AddressOptOut, Contact
from vocapp.messaging.errors import TransportError
from vocapp.tenancy.scope import organization_scope

# A Tuesday at 10:00 in Paris: inside the default SMS window.
TUESDAY_10_PARIS = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
URL = "/api/v1/interactions/"


@pytest.fixture
def clock():
    with time_machine.travel(TUESDAY_10_PARIS, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shared_sender(db):
    return SenderNumber.objects.create(number="+15005550006")


def listen(organization, channels=("sms", "email"), **rule_fields):
    """A journey, the library's NPS survey and a hot rule at parcel-received."""
    with organization_scope(organization):
        create_journey_from_template(organization, "ecommerce", None)
        survey = create_from_library(None, organization, "post_purchase_nps")
        touchpoint = Touchpoint.objects.get(key="parcel-received")
        return ListeningRule.objects.create(
            touchpoint=touchpoint, survey=survey, channels=list(channels), **rule_fields
        )


@pytest.fixture
def hot_rule(org_a, shared_sender):
    return listen(org_a)


@pytest.fixture
def api(api_client_for, org_a):
    return api_client_for(org_a, scopes=("ingest", "read"))


def event(n=1, **contact):
    return {
        "touchpoint": "parcel-received",
        "external_id": f"order-{n}-delivered",
        "occurred_at": "2026-03-10T09:55:00+01:00",
        "contact": {
            "external_id": f"c-{n}",
            "phone": f"+336123456{n:02d}",
            "email": f"customer{n}@example.test",
            "sms_consent": True,
            "time_zone": "Europe/Paris",
            **contact,
        },
    }


def post(api, *events):
    """Interactions in, without the commit-time nudge: the test runs the dispatcher itself."""
    answer = api.post(URL + "bulk/", {"interactions": list(events)}, format="json")
    assert answer.status_code == 200, answer.json()
    return [row["invitations"][0]["id"] for row in answer.json()["results"]]


def invitation(organization, pk):
    with organization_scope(organization):
        return Invitation.objects.get(pk=pk)


def test_a_hot_interaction_leaves_by_sms_at_once_with_its_survey_link(
    api, hot_rule, clock, sms_outbox, django_capture_on_commit_callbacks
):
    # The commit-time nudge runs the dispatcher (inline in tests): no wait for the next pass.
    with django_capture_on_commit_callbacks(execute=True):
        [pk] = post(api, event())
    sent = invitation(hot_rule.organization, pk)
    assert sent.state == "sent" and sent.sent_at is not None
    [sms] = sms_outbox
    assert (sms.to, sms.sender) == ("+33612345601", "+15005550006")
    assert f"/s/{sent.token}/" in sms.body
    with organization_scope(hot_rule.organization):
        message = Message.objects.get()
    assert (message.status, message.to, message.body) == ("sent", sms.to, sms.body)
    assert message.provider_id


def test_an_opt_out_since_scheduling_suppresses_with_its_reason(api, hot_rule, clock, sms_outbox):
    [pk] = post(api, event())
    with organization_scope(hot_rule.organization):
        Contact.objects.update(sms_opted_out_at=TUESDAY_10_PARIS)
    dispatch.dispatch_due()
    held = invitation(hot_rule.organization, pk)
    assert (held.state, held.reason) == ("suppressed", "opted_out_since_scheduled")
    assert sms_outbox == []


def test_consent_withdrawn_since_scheduling_suppresses(api, hot_rule, clock, sms_outbox):
    [pk] = post(api, event())
    with organization_scope(hot_rule.organization):
        Contact.objects.update(sms_consent_at=None)
    dispatch.dispatch_due()
    assert invitation(hot_rule.organization, pk).reason == "consent_withdrawn"


def test_outside_the_window_at_sending_it_waits_for_the_next_opening(
    api, hot_rule, clock, sms_outbox
):
    [pk] = post(api, event())
    clock.move_to(datetime(2026, 3, 10, 19, 30, tzinfo=UTC))  # 20:30 in Paris
    dispatch.dispatch_due()
    waiting = invitation(hot_rule.organization, pk)
    assert waiting.state == "scheduled"
    assert waiting.send_at == datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 in Paris
    assert sms_outbox == []


def test_expired_before_sending_is_expired_not_sent(api, hot_rule, clock, sms_outbox):
    [pk] = post(api, event())
    clock.move_to(TUESDAY_10_PARIS + timedelta(days=30))
    dispatch.dispatch_due()
    assert invitation(hot_rule.organization, pk).state == "expired"
    assert sms_outbox == []


def test_one_tenants_campaign_cannot_starve_another_tenants_hot_surveys(
    api, hot_rule, org_b, api_client_for, clock, sms_outbox
):
    post(api, *[event(n) for n in range(1, 31)])
    listen(org_b)
    other = post(api_client_for(org_b, scopes=("ingest",)), event(90), event(91))
    outgoing, _counts = dispatch.claim_batch(TUESDAY_10_PARIS, size=10, per_organization=5)
    claimed = Message.objects.unscoped().filter(pk__in=[item.message.pk for item in outgoing])
    assert len(outgoing) == 7
    assert set(claimed.filter(organization=org_b).values_list("invitation", flat=True)) == set(
        other
    )


def test_a_crash_between_recording_and_sending_never_sends_twice(api, hot_rule, clock, sms_outbox):
    [pk] = post(api, event())
    # The worker records the message and commits, then dies before calling the provider.
    outgoing, _counts = dispatch.claim_batch(TUESDAY_10_PARIS, size=10, per_organization=10)
    assert len(outgoing) == 1
    clock.move_to(TUESDAY_10_PARIS + timedelta(minutes=20))
    assert provider_events.sweep_sending() == 1
    call_command("dispatch_due")
    assert invitation(hot_rule.organization, pk).state == "uncertain"
    assert Message.objects.unscoped().get().status == "uncertain"
    assert sms_outbox == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED is PostgreSQL's")
def test_two_workers_claiming_at_once_take_each_invitation_once(
    api, hot_rule, clock, sms_outbox, settings, monkeypatch
):
    settings.SMS_SENDER_RATE = 1000
    # Committed for real here: keep the commit-time nudge from sending them first.
    monkeypatch.setattr(tasks, "dispatch_due_invitations", SimpleNamespace(delay=lambda: None))
    post(api, *[event(n) for n in range(1, 41)])
    claimed, errors = [], []

    def worker():
        try:
            # A batch locked by the other worker is skipped: go on while anything is due.
            for _ in range(200):
                outgoing, _counts = dispatch.claim_batch(
                    TUESDAY_10_PARIS, size=5, per_organization=5
                )
                claimed.extend(item.message.pk for item in outgoing)
                if not Invitation.objects.unscoped().filter(state="scheduled").exists():
                    break
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    invitations = Message.objects.unscoped().values_list("invitation", flat=True)
    assert len(claimed) == len(set(claimed)) == 40
    assert len(set(invitations)) == len(invitations) == 40


class FailingSms:
    def __init__(self, error):
        self.error = error

    def send(self, message):
        raise self.error


def test_an_invalid_number_fails_marks_the_number_and_tries_the_rules_email(
    api, hot_rule, clock, monkeypatch
):
    [pk] = post(api, event())
    error = TransportError("invalid number", permanent=True, code="21211")
    monkeypatch.setattr(sending, "get_sms_backend", lambda: FailingSms(error))
    result = dispatch.dispatch_due()
    assert result.counts["failed"] == 1
    failed = invitation(hot_rule.organization, pk)
    assert failed.state == "failed"
    with organization_scope(hot_rule.organization):
        assert AddressOptOut.objects.get().source == "undeliverable"
        follower = Invitation.objects.get(follows=failed)
    assert (follower.channel, follower.state) == ("email", "sent")  # the same pass sent it
    [email] = mail.outbox
    assert email.to == ["customer1@example.test"]
    assert f"/u/{follower.token}/" in email.extra_headers["List-Unsubscribe"]
    assert email.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert not getattr(email, "alternatives", None)  # plain text by default


def test_a_transient_error_keeps_the_message_for_a_later_try(
    api, hot_rule, clock, monkeypatch, sms_outbox
):
    [pk] = post(api, event())
    error = TransportError("busy", permanent=False, code="429", retry_after=5)
    monkeypatch.setattr(sending, "get_sms_backend", lambda: FailingSms(error))
    result = dispatch.dispatch_due()
    [(message_id, delay)] = result.retries
    assert delay == 5
    assert invitation(hot_rule.organization, pk).state == "sending"
    monkeypatch.undo()
    assert sending.send_message(message_id).state == "sent"
    assert invitation(hot_rule.organization, pk).state == "sent"
    assert len(sms_outbox) == 1


def test_each_sender_keeps_its_pace_and_the_rest_waits(api, hot_rule, clock, settings, sms_outbox):
    settings.SMS_SENDER_RATE = 2
    post(api, *[event(n) for n in range(1, 6)])
    result = dispatch.dispatch_due()
    assert len(sms_outbox) == 2
    assert result.counts["paced"] >= 3
    with organization_scope(hot_rule.organization):
        assert Invitation.objects.filter(state="scheduled").count() == 3
    clock.shift(1)  # the next second
    dispatch.dispatch_due()
    assert len(sms_outbox) == 4


def test_the_monthly_sms_cap_stops_sms_with_one_notice_to_the_admins(
    api, hot_rule, admin_a, clock, sms_outbox, django_capture_on_commit_callbacks
):
    with organization_scope(hot_rule.organization):
        DeliveryPolicy.objects.create(sms_monthly_cap=1)
    first, second, third = post(api, event(1), event(2), event(3))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_due()
    assert len(sms_outbox) == 1
    assert invitation(hot_rule.organization, second).reason == "sms_cap"
    assert invitation(hot_rule.organization, third).reason == "sms_cap"
    [notice] = mail.outbox
    assert notice.to == [admin_a.email]
    assert "cap" in notice.subject
    post(api, event(4))
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_due()
    assert len(mail.outbox) == 1  # one notice a month


def test_reminders_go_once_on_the_rules_next_channel(org_a, shared_sender, api, clock, sms_outbox):
    rule = listen(org_a, reminder_after_days=2)
    [pk] = post(api, event())
    dispatch.dispatch_due()
    assert followups.schedule_reminders(TUESDAY_10_PARIS + timedelta(days=1)) == 0
    later = TUESDAY_10_PARIS + timedelta(days=2, minutes=1)
    assert followups.schedule_reminders(later) == 1
    assert followups.schedule_reminders(later) == 0
    with organization_scope(org_a):
        reminder = Invitation.objects.get(kind="reminder")
    assert (reminder.follows_id, reminder.channel) == (pk, "email")
    assert reminder.expires_at == invitation(org_a, pk).expires_at
    assert rule.reminder_after_days == 2


def test_the_outbox_lists_messages_with_their_links_for_managers_only(
    api, hot_rule, clock, sms_outbox, client_as, manager_a, agent_a
):
    [pk] = post(api, event())
    dispatch.dispatch_due()
    token = invitation(hot_rule.organization, pk).token
    page = client_as(manager_a).get("/o/alpha/outbox/")
    assert page.status_code == 200
    assert f'href="http://testserver/s/{token}/"' in page.content.decode() or (
        f"/s/{token}/" in page.content.decode()
    )
    assert client_as(agent_a).get("/o/alpha/outbox/").status_code == 403


def test_the_dispatch_command_runs_one_pass(api, hot_rule, clock, sms_outbox, capsys):
    post(api, event())
    call_command("dispatch_due")
    assert "sent 1" in capsys.readouterr().out
    assert len(sms_outbox) == 1


def test_erasing_a_contact_scrubs_their_messages_and_exports_them_before(
    api, hot_rule, clock, sms_outbox
):
    from surveys import gdpr

    post(api, event())
    dispatch.dispatch_due()
    with organization_scope(hot_rule.organization):
        contact = Contact.objects.get()
        [exported] = gdpr.export_messages(contact)
        assert exported["to"] == "+33612345601" and "/s/" in exported["body"]
        assert gdpr.erase_messages(contact) == 1
        message = Message.objects.get()
    assert (message.to, message.body, message.status) == ("[erased]", "[erased]", "sent")
