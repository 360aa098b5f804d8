"""Settings → Channels: admins connect Twilio accounts (the token goes in, never comes out), add
and deactivate sender numbers, see the shared ones, send a test SMS (rate limited; a provider
error is a form error), and set the email sender, SMS cap and costs; every change is audited."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from surveys import demo
from surveys.channel_forms import BAD_SENDER, NUMBER_TAKEN
from surveys.models import DeliveryPolicy, SenderNumber, TwilioAccount
from surveys.selectors import senders_for
from surveys.views import channels as channels_views
from vocapp.messaging import sms
from vocapp.messaging.errors import TransportError
from vocapp.messaging.templates import render_sms
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope, url

pytestmark = pytest.mark.django_db

SID_A = "AC" + "1" * 32
SID_B = "AC" + "2" * 32
TOKEN = "0123456789abcdef0123456789abcdef"


@pytest.fixture(autouse=True)
def _empty_outbox(settings):
    settings.SMS_BACKEND = "vocapp.messaging.sms.LocMemBackend"
    sms.outbox.clear()
    yield
    sms.outbox.clear()


def audit_actions(organization) -> list[str]:
    return in_scope(
        organization,
        lambda: list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)),
    )


def make_account(organization, sid=SID_A, label="Main"):
    with organization_scope(organization):
        return TwilioAccount.objects.create(label=label, account_sid=sid, auth_token=TOKEN)


def make_sender(organization, number, account=None, active=True):
    return SenderNumber.objects.create(
        organization=organization, number=number, account=account, active=active
    )


def account_post(**changes) -> dict:
    data = {"account-label": "Main", "account-account_sid": SID_A, "account-auth_token": TOKEN}
    return {**data, **changes}


def sender_post(number, account="", label="") -> dict:
    return {"sender-number": number, "sender-account": account, "sender-label": label}


def test_an_admin_connects_an_account_whose_token_is_stored_encrypted_and_never_shown(
    client_as, admin_a, org_a
):
    client = client_as(admin_a)
    assert client.get(url("channels")).status_code == 200

    response = client.post(url("channel_account_add"), account_post())

    assert response.status_code == 302 and response["Location"] == url("channels")
    account = in_scope(org_a, lambda: TwilioAccount.objects.get())
    assert account.account_sid == SID_A and account.auth_token == TOKEN
    with connection.cursor() as cursor:
        cursor.execute("SELECT auth_token FROM surveys_twilioaccount WHERE id = %s", [account.pk])
        assert TOKEN not in cursor.fetchone()[0]
    page = client.get(url("channels")).content.decode()
    assert SID_A in page and "token set" in page
    assert TOKEN not in page
    event = in_scope(org_a, lambda: AuditEvent.objects.get(action="twilio_account.added"))
    assert event.changes == {"label": "Main", "account_sid": SID_A}
    assert TOKEN not in str(event.changes)


def test_a_refused_account_form_does_not_send_the_token_back(client_as, admin_a, org_a):
    client = client_as(admin_a)
    response = client.post(url("channel_account_add"), account_post(**{"account-account_sid": "x"}))
    assert response.status_code == 400
    text = response.content.decode()
    assert "An account SID is AC and 32 hex digits." in text
    assert TOKEN not in text
    assert in_scope(org_a, lambda: TwilioAccount.objects.count()) == 0


def test_a_malformed_token_is_refused(client_as, admin_a, org_a):
    response = client_as(admin_a).post(
        url("channel_account_add"), account_post(**{"account-auth_token": "short"})
    )
    assert response.status_code == 400
    assert "32 hexadecimal characters" in response.content.decode()


def test_an_account_connected_by_another_organization_is_refused(client_as, admin_a, org_a, org_b):
    make_account(org_b, sid=SID_A)
    response = client_as(admin_a).post(url("channel_account_add"), account_post())
    assert response.status_code == 400
    assert "already connected" in response.content.decode()
    assert in_scope(org_a, lambda: TwilioAccount.objects.count()) == 0


def test_an_admin_adds_senders_a_national_number_in_e164_and_a_sender_name(
    client_as, admin_a, org_a
):
    account = make_account(org_a)
    client = client_as(admin_a)

    phone = client.post(url("channel_sender_add"), sender_post("06 12 34 56 78", account.pk))
    name = client.post(url("channel_sender_add"), sender_post(" ACME  Shop ", label="Brand"))

    assert phone.status_code == name.status_code == 302
    own = {s.number: s for s in SenderNumber.objects.filter(organization=org_a)}
    assert set(own) == {"+33612345678", "ACME Shop"}
    assert own["+33612345678"].account == account and own["+33612345678"].two_way
    assert own["ACME Shop"].account is None and not own["ACME Shop"].two_way
    assert own["ACME Shop"].label == "Brand"
    assert audit_actions(org_a) == ["sender_number.added", "sender_number.added"]
    page = client.get(url("channels")).content.decode()
    assert "+33612345678" in page and "ACME Shop" in page and "one-way" in page


@pytest.mark.parametrize(
    "number", ["123", "+33 1", "06 12", "ABCDEFGHIJKL", "Café", "ACME!", "12345", "+", "   "]
)
def test_a_bad_number_is_a_400_with_a_message(client_as, admin_a, org_a, number):
    response = client_as(admin_a).post(url("channel_sender_add"), sender_post(number))
    assert response.status_code == 400
    errors = response.context["sender_form"].errors["number"]
    assert errors in ([str(BAD_SENDER)], ["This field is required."])
    assert not SenderNumber.objects.exists()


def test_another_organizations_account_cannot_hold_a_sender(client_as, admin_a, org_b):
    foreign = make_account(org_b, sid=SID_B)
    response = client_as(admin_a).post(
        url("channel_sender_add"), sender_post("+33612345678", foreign.pk)
    )
    assert response.status_code == 400
    assert "account" in response.context["sender_form"].errors
    assert not SenderNumber.objects.exists()


def test_a_number_taken_here_elsewhere_or_shared_gets_the_same_message(
    client_as, admin_a, org_a, org_b
):
    make_sender(org_a, "+33612345601")
    make_sender(org_b, "+33612345602")
    make_sender(None, "+33612345603")
    make_sender(org_b, "BETA")
    client = client_as(admin_a)
    answers = []
    for number in ("+33612345601", "06 12 34 56 02", "+33612345603", "beta"):
        response = client.post(url("channel_sender_add"), sender_post(number))
        assert response.status_code == 400, number
        answers.append(response.context["sender_form"].errors["number"])
    assert answers == [[str(NUMBER_TAKEN)]] * 4
    assert SenderNumber.objects.count() == 4


def test_shared_senders_are_listed_read_only(client_as, admin_a, org_a):
    shared = make_sender(None, "+15005550006")
    make_sender(None, "+15005550001", active=False)
    client = client_as(admin_a)
    page = client.get(url("channels"))
    text = page.content.decode()
    assert "+15005550006" in text and "+15005550001" not in text
    assert url("channel_sender_active", pk=shared.pk) not in text
    response = client.post(url("channel_sender_active", pk=shared.pk), {"active": "0"})
    assert response.status_code == 404
    shared.refresh_from_db()
    assert shared.active


def test_an_admin_deactivates_and_reactivates_a_sender(client_as, admin_a, org_a):
    sender = make_sender(org_a, "+33612345678")
    client = client_as(admin_a)

    assert (
        client.post(url("channel_sender_active", pk=sender.pk), {"active": "0"}).status_code == 302
    )
    sender.refresh_from_db()
    assert not sender.active and senders_for(org_a) == []
    client.post(url("channel_sender_active", pk=sender.pk), {"active": "0"})  # no change
    client.post(url("channel_sender_active", pk=sender.pk), {"active": "1"})
    sender.refresh_from_db()
    assert sender.active
    assert audit_actions(org_a) == ["sender_number.deactivated", "sender_number.activated"]


def test_senders_for_lists_active_own_senders_first_then_active_shared_ones(org_a, org_b):
    make_sender(None, "+15005550006")
    make_sender(None, "+15005550001", active=False)
    make_sender(org_a, "ZED")
    make_sender(org_a, "+33612345678")
    make_sender(org_a, "+33612345679", active=False)
    make_sender(org_b, "+33612345680")
    assert [s.number for s in senders_for(org_a)] == ["+33612345678", "ZED", "+15005550006"]


def test_an_account_is_removed_once_its_senders_are_deactivated(client_as, admin_a, org_a):
    account = make_account(org_a)
    sender = make_sender(org_a, "+33612345678", account=account)
    client = client_as(admin_a)

    refused = client.post(url("channel_account_remove", pk=account.pk), follow=True)
    assert "Deactivate the senders" in refused.content.decode()
    assert in_scope(org_a, lambda: TwilioAccount.objects.count()) == 1

    client.post(url("channel_sender_active", pk=sender.pk), {"active": "0"})
    response = client.post(url("channel_account_remove", pk=account.pk))

    assert response.status_code == 302
    assert in_scope(org_a, lambda: TwilioAccount.objects.count()) == 0
    assert not SenderNumber.objects.filter(pk=sender.pk).exists()
    assert audit_actions(org_a)[-1] == "twilio_account.removed"


def test_an_admin_sends_a_test_sms_through_the_backend(client_as, admin_a, org_a):
    account = make_account(org_a)
    sender = make_sender(org_a, "+33612345600", account=account)
    client = client_as(admin_a)

    response = client.post(
        url("channel_test_sms"), {"test-to": "06 98 76 54 32", "test-sender": sender.pk}
    )

    assert response.status_code == 302
    [message] = sms.outbox
    assert message.to == "+33698765432"
    assert message.sender == "+33612345600"
    assert message.body == render_sms("test", {"organization": org_a.name}, locale="en")
    assert org_a.name in message.body
    assert message.credentials.account_sid == SID_A
    assert message.credentials.auth_token == TOKEN
    assert "Test SMS sent to +33698765432" in client.get(url("channels")).content.decode()
    assert audit_actions(org_a) == ["sms.test_sent"]


def test_a_test_sms_from_a_shared_sender_uses_the_platform_account(client_as, admin_a, org_a):
    shared = make_sender(None, "+15005550006")
    org_a.default_locale = "fr"
    org_a.save()
    client_as(admin_a).post(
        url("channel_test_sms"), {"test-to": "+33698765432", "test-sender": shared.pk}
    )
    [message] = sms.outbox
    assert message.sender == "+15005550006" and message.credentials is None
    assert message.body == render_sms("test", {"organization": org_a.name}, locale="fr")


def test_a_test_sms_cannot_come_from_another_organizations_sender(client_as, admin_a, org_b):
    foreign = make_sender(org_b, "+33612345680")
    response = client_as(admin_a).post(
        url("channel_test_sms"), {"test-to": "+33698765432", "test-sender": foreign.pk}
    )
    assert response.status_code == 400
    assert "sender" in response.context["test_form"].errors
    assert sms.outbox == []


def test_a_bad_recipient_is_a_400_with_a_message(client_as, admin_a, org_a):
    sender = make_sender(org_a, "+33612345600")
    response = client_as(admin_a).post(
        url("channel_test_sms"), {"test-to": "12", "test-sender": sender.pk}
    )
    assert response.status_code == 400
    assert "Enter a valid phone number" in response.content.decode()
    assert sms.outbox == []


class RefusingBackend(sms.SmsBackend):
    def send(self, message):
        raise TransportError(
            "Twilio refused the message (error 21211): invalid 'To' number", permanent=True
        )


def test_a_transport_error_is_shown_as_a_form_error(client_as, admin_a, org_a, monkeypatch):
    monkeypatch.setattr(channels_views, "get_sms_backend", RefusingBackend)
    sender = make_sender(org_a, "+33612345600")
    response = client_as(admin_a).post(
        url("channel_test_sms"), {"test-to": "+33698765432", "test-sender": sender.pk}
    )
    assert response.status_code == 400
    assert response.context["test_form"].non_field_errors() == [
        "The test SMS was not sent: Twilio refused the message (error 21211): invalid 'To' number"
    ]
    assert "invalid &#x27;To&#x27; number" in response.content.decode()
    assert audit_actions(org_a) == []


def test_an_unreadable_token_is_a_form_error_not_a_server_error(
    client_as, admin_a, org_a, settings
):
    from cryptography.fernet import Fernet

    account = make_account(org_a)
    sender = make_sender(org_a, "+33612345600", account=account)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]  # the old key is lost
    client = client_as(admin_a)
    assert client.get(url("channels")).status_code == 200
    response = client.post(
        url("channel_test_sms"), {"test-to": "+33698765432", "test-sender": sender.pk}
    )
    assert response.status_code == 400
    assert "cannot be read" in response.content.decode()
    assert sms.outbox == []


# Inside one hour's window whenever the test runs.
@time_machine.travel(datetime(2026, 11, 23, 10, 5, tzinfo=UTC), tick=False)
def test_test_sms_are_limited_to_five_per_admin_per_hour(client_as, admin_a, org_a):
    sender = make_sender(org_a, "+33612345600")
    client = client_as(admin_a)
    data = {"test-to": "+33698765432", "test-sender": sender.pk}
    assert client.post(url("channel_test_sms"), {**data, "test-to": "1"}).status_code == 400
    for _ in range(5):
        assert client.post(url("channel_test_sms"), data).status_code == 302
    response = client.post(url("channel_test_sms"), data)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "You sent 5 test messages this hour" in response.content.decode()
    assert len(sms.outbox) == 5


@pytest.mark.parametrize("member", ["manager_a", "agent_a"])
@pytest.mark.parametrize(
    ("name", "needs_pk"),
    [
        ("channels", None),
        ("channel_account_add", None),
        ("channel_account_remove", "account"),
        ("channel_sender_add", None),
        ("channel_sender_active", "sender"),
        ("channel_test_sms", None),
    ],
)
def test_other_roles_get_a_403(client_as, request, org_a, member, name, needs_pk):
    account = make_account(org_a)
    sender = make_sender(org_a, "+33612345600", account=account)
    kwargs = {"pk": {"account": account, "sender": sender}[needs_pk].pk} if needs_pk else {}
    client = client_as(request.getfixturevalue(member))
    assert client.get(url(name, **kwargs)).status_code == 403
    data = {**account_post(), **sender_post("+33612345699"), "test-to": "+33698765432"}
    assert client.post(url(name, **kwargs), {**data, "active": "0"}).status_code == 403
    assert in_scope(org_a, lambda: TwilioAccount.objects.count()) == 1
    assert SenderNumber.objects.count() == 1 and SenderNumber.objects.get().active
    assert sms.outbox == []


def test_another_organizations_account_and_sender_ids_are_404(client_as, admin_a, org_b):
    account = make_account(org_b, sid=SID_B)
    sender = make_sender(org_b, "+33612345680", account=None)
    client = client_as(admin_a)
    assert client.post(url("channel_account_remove", pk=account.pk)).status_code == 404
    assert (
        client.post(url("channel_sender_active", pk=sender.pk), {"active": "0"}).status_code == 404
    )
    assert in_scope(org_b, lambda: TwilioAccount.objects.count()) == 1
    sender.refresh_from_db()
    assert sender.active
    assert not in_scope(org_b, lambda: list(AuditEvent.objects.all()))


def test_the_channel_fields_of_the_policy_save_and_are_audited(client_as, admin_a, org_a):
    client = client_as(admin_a)
    data = {
        "email_from_address": "surveys@alpha.test",
        "email_from_name": "Alpha Shop",
        "email_reply_to": "care@alpha.test",
        "email_html": "on",
        "sms_monthly_cap": "5000",
        "sms_unit_cost": "0.0450",
        "email_unit_cost": "0.001",
    }
    response = client.post(url("channels"), data)

    assert response.status_code == 302
    policy = in_scope(org_a, lambda: DeliveryPolicy.objects.get())
    assert policy.email_from_address == "surveys@alpha.test" and policy.email_html
    assert policy.sms_monthly_cap == 5000 and policy.sms_unit_cost == Decimal("0.045")
    event = in_scope(org_a, lambda: AuditEvent.objects.get(action="delivery_policy.updated"))
    assert event.changes["sms_monthly_cap"] == [None, 5000]
    assert event.changes["email_html"] == [False, True]
    assert event.changes["sms_unit_cost"] == [None, "0.0450"]
    assert "fatigue_days" not in event.changes

    assert client.post(url("channels"), data).status_code == 302  # unchanged: no new event
    assert audit_actions(org_a) == ["delivery_policy.updated"]


def test_bad_channel_fields_are_named_and_nothing_is_saved(client_as, admin_a, org_a):
    response = client_as(admin_a).post(
        url("channels"),
        {"email_from_address": "not an address", "sms_monthly_cap": "0", "sms_unit_cost": "-1"},
    )
    assert response.status_code == 400
    errors = response.context["policy_form"].errors
    assert set(errors) == {"email_from_address", "sms_monthly_cap", "sms_unit_cost"}
    policy = in_scope(org_a, lambda: DeliveryPolicy.objects.get())  # made by get_or_create
    assert policy.email_from_address == "" and policy.sms_monthly_cap is None


def test_the_page_summarises_the_windows_and_fatigue_with_a_link_to_the_policy(client_as, admin_a):
    text = client_as(admin_a).get(url("channels")).content.decode()
    assert "Monday–Saturday, 08:00–20:00, not on public holidays" in text
    assert "One survey per person every 30 days" in text
    assert url("delivery_policy") in text


def test_the_channels_tab_is_shown_to_admins_only(client_as, admin_a, manager_a):
    assert url("channels") in client_as(admin_a).get(url("delivery_policy")).content.decode()
    assert url("channels") not in client_as(manager_a).get(url("delivery_policy")).content.decode()


def test_the_demo_shares_one_sender_of_the_platform_account_idempotently(org_a):
    for _ in range(2):
        demo.seed_channels(org_a, rng=None, today=None)
    shared = SenderNumber.objects.get()
    assert shared.number == demo.DEMO_SHARED_SENDER
    assert shared.is_shared and shared.account is None and shared.active
    assert [s.number for s in senders_for(org_a)] == [demo.DEMO_SHARED_SENDER]
