"""Settings → Channels (admins only): Twilio accounts, sender numbers, a test SMS, who emails come
from, the monthly SMS cap and what each message costs. Every change is written to the audit log;
an auth token goes in and never comes back out."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, ProtectedError, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from vocapp.crypto import DecryptionError
from vocapp.messaging.errors import TransportError
from vocapp.messaging.sms import SmsMessage, get_sms_backend
from vocapp.messaging.templates import render_sms
from vocapp.ratelimit import rate_limit
from vocapp.tenancy.audit import changed_fields, record_audit, snapshot
from vocapp.tenancy.models import WEEKDAYS

from ..channel_forms import (
    NUMBER_TAKEN,
    ChannelPolicyForm,
    SenderNumberForm,
    TestSmsForm,
    TwilioAccountForm,
)
from ..models import DeliveryPolicy, SenderNumber, TwilioAccount
from ..selectors import delivery_policy, senders_for
from .base import SurveysPage

CAPABILITY = "manage_organization"
TEST_SMS_LIMIT = 5  # per admin per hour: each one is a paid message
TEST_SMS_WINDOW = 3600
ORGANIZATION_NAME_IN_SMS = 30  # the length the SMS templates are measured with
POLICY_FIELDS = ChannelPolicyForm._meta.fields


class ChannelsPage(SurveysPage):
    capability = CAPABILITY
    section = "channels"  # the settings tab

    def render_channels(self, status=200, **forms):
        organization = self.organization
        policy = delivery_policy(organization)
        senders = (
            SenderNumber.objects.filter(Q(organization=organization) | Q(organization__isnull=True))
            .select_related("account")
            .defer("account__auth_token")
        )
        context = {
            # The token is deferred: the page never needs it, and a lost key must not break it.
            "accounts": TwilioAccount.objects.defer("auth_token").annotate(
                sender_count=Count("senders")
            ),
            "own_senders": [s for s in senders if not s.is_shared],
            "shared_senders": [s for s in senders if s.is_shared and s.active],
            "account_form": forms.get("account_form") or TwilioAccountForm(prefix="account"),
            "sender_form": forms.get("sender_form")
            or SenderNumberForm(prefix="sender", organization=organization),
            "test_form": forms.get("test_form") or self.test_form(),
            "policy_form": forms.get("policy_form") or ChannelPolicyForm(instance=policy),
            "sms_window": describe_window(policy.sms_window),
            "email_window": describe_window(policy.email_window),
            "fatigue": describe_fatigue(policy),
            "test_sms_limit": TEST_SMS_LIMIT,
        }
        response = self.render_page("surveys/channels.html", context, status=status)
        response["Cache-Control"] = "no-store"
        return response

    def test_form(self, data=None):
        return TestSmsForm(
            data,
            prefix="test",
            organization=self.organization,
            senders=senders_for(self.organization),
        )


class ChannelsView(ChannelsPage):
    """The page, and the delivery policy's channel fields it saves."""

    def get(self, request, org_slug):
        return self.render_channels()

    def post(self, request, org_slug):
        policy, _created = DeliveryPolicy.objects.get_or_create(organization=self.organization)
        before = snapshot(policy, POLICY_FIELDS)
        form = ChannelPolicyForm(request.POST, instance=policy)
        if not form.is_valid():
            return self.render_channels(status=400, policy_form=form)
        policy = form.save()
        # As stored (0.001 is kept as 0.0010): a second identical save is no change.
        policy.refresh_from_db(fields=POLICY_FIELDS)
        changes = changed_fields(before, snapshot(policy, POLICY_FIELDS))
        if changes:
            record_audit(request.user, "delivery_policy.updated", policy, changes)
        messages.success(request, _("Channel settings saved."))
        return redirect("surveys:channels", org_slug=org_slug)


class AccountAddView(ChannelsPage):
    def post(self, request, org_slug):
        form = TwilioAccountForm(request.POST, prefix="account")
        if not form.is_valid():
            return self.render_channels(status=400, account_form=form)
        form.instance.organization = self.organization
        try:
            with transaction.atomic():
                account = form.save()
        except IntegrityError:  # connected elsewhere between the check and the insert
            form.add_error("account_sid", _("This Twilio account is already connected."))
            return self.render_channels(status=400, account_form=form)
        record_audit(
            request.user,
            "twilio_account.added",
            account,
            {"label": account.label, "account_sid": account.account_sid},
        )
        messages.success(request, _("Twilio account connected."))
        return redirect("surveys:channels", org_slug=org_slug)


class AccountRemoveView(ChannelsPage):
    def post(self, request, org_slug, pk):
        account = get_object_or_404(TwilioAccount.objects.defer("auth_token"), pk=pk)
        if account.senders.filter(active=True).exists():
            messages.error(
                request,
                _("Deactivate the senders of “%(account)s” before removing it.")
                % {"account": account.label},
            )
            return redirect("surveys:channels", org_slug=org_slug)
        try:
            with transaction.atomic():
                record_audit(
                    request.user,
                    "twilio_account.removed",
                    account,
                    {"label": account.label, "account_sid": account.account_sid},
                )
                # Its inactive senders cannot send without it: they go with it.
                account.senders.all().delete()
                account.delete()
        except ProtectedError:
            messages.error(
                request,
                _("The senders of “%(account)s” are still referred to by sent messages; keep it.")
                % {"account": account.label},
            )
            return redirect("surveys:channels", org_slug=org_slug)
        messages.success(request, _("Twilio account removed; its auth token is deleted."))
        return redirect("surveys:channels", org_slug=org_slug)


class SenderAddView(ChannelsPage):
    def post(self, request, org_slug):
        form = SenderNumberForm(request.POST, prefix="sender", organization=self.organization)
        if not form.is_valid():
            return self.render_channels(status=400, sender_form=form)
        try:
            with transaction.atomic():
                sender = form.save()
        except IntegrityError:  # taken between the check and the insert
            form.add_error("number", NUMBER_TAKEN)
            return self.render_channels(status=400, sender_form=form)
        record_audit(
            request.user,
            "sender_number.added",
            sender,
            {"number": sender.number, "account": sender.account_id, "label": sender.label},
        )
        messages.success(request, _("Sender %(number)s added.") % {"number": sender.number})
        return redirect("surveys:channels", org_slug=org_slug)


class SenderActiveView(ChannelsPage):
    """Deactivate (``active=0``) or reactivate (``active=1``) one of the organization's senders;
    shared senders are read-only (404, like another organization's)."""

    def post(self, request, org_slug, pk):
        sender = get_object_or_404(
            SenderNumber.objects.filter(organization=self.organization), pk=pk
        )
        active = request.POST.get("active") == "1"
        if sender.active != active:
            sender.active = active
            sender.save(update_fields=["active"])
            action = "sender_number.activated" if active else "sender_number.deactivated"
            record_audit(request.user, action, sender, {"active": [not active, active]})
        if active:
            messages.success(request, _("Sender %(number)s is active.") % {"number": sender.number})
        else:
            messages.success(
                request,
                _("Sender %(number)s deactivated: nothing is sent from it any more.")
                % {"number": sender.number},
            )
        return redirect("surveys:channels", org_slug=org_slug)


class TestSmsView(ChannelsPage):
    def post(self, request, org_slug):
        form = self.test_form(request.POST)
        if not form.is_valid():
            return self.render_channels(status=400, test_form=form)
        # Counted once the form is valid: only what would reach the provider spends the budget.
        limit = rate_limit(
            f"surveys.test_sms:{request.user.pk}", limit=TEST_SMS_LIMIT, window=TEST_SMS_WINDOW
        )
        if not limit.allowed:
            minutes = max(1, round(limit.retry_after / 60))
            form.add_error(
                None,
                ngettext(
                    "You sent %(count)d test messages this hour; try again in %(minutes)d minute.",
                    "You sent %(count)d test messages this hour; try again in %(minutes)d minutes.",
                    minutes,
                )
                % {"count": TEST_SMS_LIMIT, "minutes": minutes},
            )
            response = self.render_channels(status=429, test_form=form)
            response["Retry-After"] = str(limit.retry_after)
            return response
        sender, to = form.cleaned_data["sender"], form.cleaned_data["to"]
        try:
            sent = send_test_sms(self.organization, sender, to)
        except (TransportError, DecryptionError) as error:
            form.add_error(None, failure_message(error))
            return self.render_channels(status=400, test_form=form)
        record_audit(
            request.user,
            "sms.test_sent",
            self.organization,
            {"sender": sender.number, "provider_id": sent.provider_id},
        )
        messages.success(
            request,
            _("Test SMS sent to %(to)s from %(sender)s.") % {"to": to, "sender": sender.number},
        )
        return redirect("surveys:channels", org_slug=org_slug)


def send_test_sms(organization, sender: SenderNumber, to: str):
    """One test message from ``sender`` in the organization's language; raises TransportError
    (the provider refused) or DecryptionError (the account's token cannot be read)."""
    body = render_sms(
        "test",
        {"organization": organization.name[:ORGANIZATION_NAME_IN_SMS]},
        locale=organization.default_locale,
    )
    message = SmsMessage(to=to, sender=sender.number, body=body, credentials=sender.credentials())
    return get_sms_backend().send(message)


def failure_message(error: Exception) -> str:
    if isinstance(error, DecryptionError):
        return _(
            "The auth token of this sender's Twilio account cannot be read (the encryption key "
            "changed): remove the account and connect it again."
        )
    return _("The test SMS was not sent: %(detail)s") % {"detail": error.detail}


# --- The summary of the delivery policy shown beside the channels ----------------------------


def describe_window(window: dict | None) -> str:
    """ "Monday–Saturday, 08:00–20:00, not on public holidays"; "at any time" without one."""
    if not window:
        return _("at any time")
    names = dict(WEEKDAYS)
    days = ", ".join(
        str(names[first]) if first == last else f"{names[first]}–{names[last]}"
        for first, last in day_ranges(window.get("days", []))
    )
    text = f"{days}, {window.get('start', '')}–{window.get('end', '')}"
    if window.get("holidays"):
        text = _("%(window)s, not on public holidays") % {"window": text}
    return text


def day_ranges(days) -> list[tuple[int, int]]:
    """[0, 1, 2, 4] -> [(0, 2), (4, 4)]."""
    ranges: list[tuple[int, int]] = []
    for day in sorted(set(days)):
        if ranges and ranges[-1][1] == day - 1:
            ranges[-1] = (ranges[-1][0], day)
        else:
            ranges.append((day, day))
    return ranges


def describe_fatigue(policy: DeliveryPolicy) -> str:
    return ngettext(
        "One survey per person every %(days)d day, across every channel.",
        "One survey per person every %(days)d days, across every channel.",
        policy.fatigue_days,
    ) % {"days": policy.fatigue_days}
