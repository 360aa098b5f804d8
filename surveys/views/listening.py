"""Listening pages: the rules of each touchpoint, and the cold campaigns.

Admins and CX managers edit ("configure"); agents read (the forms are shown disabled). "Delete"
archives: the row stays for the invitations and answers that will point at it.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import Touchpoint
from vocapp.tenancy.access import require_capability
from vocapp.tenancy.audit import changed_fields, record_audit, snapshot

from ..forms import CampaignForm, ListeningRuleForm
from ..models import Campaign, ListeningRule
from ..selectors import live_campaigns, live_rules
from .base import ConfigurePage, SurveysPage, get_live

RULE_FIELDS = [
    "touchpoint",
    "survey",
    "channels",
    "timing",
    "delay_minutes",
    "priority",
    "sampling_percent",
    "segment",
    "reminder_after_days",
    "expiry_days",
    "max_delay_minutes",
    "active",
]
# What the campaign page edits is what its audit events record.
CAMPAIGN_FIELDS = CampaignForm._meta.fields


class ListeningPage(SurveysPage):
    section = "listening"


class RuleListView(ListeningPage):
    """Every rule, grouped by touchpoint; ``?touchpoint=<id>`` shows one touchpoint's."""

    def get(self, request, org_slug):
        rules = live_rules().order_by(
            "touchpoint__stage__journey__name",
            "touchpoint__stage__position",
            "touchpoint__position",
            "touchpoint_id",
            "-priority",
            "pk",
        )
        touchpoint = None
        raw = request.GET.get("touchpoint", "")
        if raw.isdecimal():
            touchpoint = Touchpoint.objects.filter(pk=raw, archived_at__isnull=True).first()
        if touchpoint is not None:
            rules = rules.filter(touchpoint=touchpoint)
        touchpoints = (
            Touchpoint.objects.filter(
                archived_at__isnull=True, listening_rules__archived_at__isnull=True
            )
            .select_related("stage__journey")
            .distinct()
            .order_by("stage__journey__name", "stage__position", "position")
        )
        return self.render_page(
            "surveys/rules.html",
            {"rules": rules, "touchpoint": touchpoint, "touchpoints": touchpoints},
        )


class RuleFormView(ListeningPage):
    """Create (no pk) or edit a listening rule."""

    def get(self, request, org_slug, pk=None):
        if pk is None:
            require_capability(self.membership, "configure")
        rule = self.get_rule(pk)
        initial = {}
        raw = request.GET.get("touchpoint", "")
        if pk is None and raw.isdecimal():
            touchpoint = Touchpoint.objects.filter(pk=raw, archived_at__isnull=True).first()
            if touchpoint is not None:
                initial["touchpoint"] = touchpoint.pk
        return self.render_form(rule, ListeningRuleForm(instance=rule, initial=initial))

    def post(self, request, org_slug, pk=None):
        require_capability(self.membership, "configure")
        rule = self.get_rule(pk)
        before = snapshot(rule, RULE_FIELDS) if rule.pk else None
        form = ListeningRuleForm(request.POST, instance=rule)
        if not form.is_valid():
            return self.render_form(rule, form, status=400)
        rule = form.save(commit=False)
        rule.organization = self.organization
        rule.save()
        if before is None:
            record_audit(request.user, "listening_rule.created", rule, snapshot(rule, RULE_FIELDS))
            messages.success(request, _("Listening rule created."))
        else:
            changes = changed_fields(before, snapshot(rule, RULE_FIELDS))
            if changes:
                record_audit(request.user, "listening_rule.saved", rule, changes)
            messages.success(request, _("Listening rule saved."))
        return redirect("surveys:rules", org_slug=org_slug)

    def get_rule(self, pk):
        if pk is None:
            return ListeningRule(organization=self.organization)
        return get_live(ListeningRule.objects.all(), pk)

    def render_form(self, rule, form, status=200):
        return self.render_page(
            "surveys/rule_form.html",
            {"rule": rule, "form": form, "readonly": not self.membership.can("configure")},
            status=status,
        )


class RuleArchiveView(ConfigurePage):
    section = "listening"

    def post(self, request, org_slug, pk):
        rule = get_live(ListeningRule.objects.all(), pk)
        rule.archived_at = timezone.now()
        rule.active = False
        rule.save(update_fields=["archived_at", "active"])
        record_audit(request.user, "listening_rule.archived", rule)
        messages.success(request, _("Listening rule archived."))
        return redirect("surveys:rules", org_slug=org_slug)


class CampaignListView(ListeningPage):
    def get(self, request, org_slug):
        return self.render_page("surveys/campaigns.html", {"campaigns": live_campaigns()})


class CampaignFormView(ListeningPage):
    """Create (no pk) or edit a cold campaign; warns when it repeats more than twice a year."""

    def get(self, request, org_slug, pk=None):
        if pk is None:
            require_capability(self.membership, "configure")
        campaign = self.get_campaign(pk)
        initial = {} if pk else {"starts_on": timezone.localdate(), "repeat_every_days": 182}
        return self.render_form(campaign, CampaignForm(instance=campaign, initial=initial))

    def post(self, request, org_slug, pk=None):
        require_capability(self.membership, "configure")
        campaign = self.get_campaign(pk)
        before = snapshot(campaign, CAMPAIGN_FIELDS) if campaign.pk else None
        form = CampaignForm(request.POST, instance=campaign)
        if not form.is_valid():
            return self.render_form(campaign, form, status=400)
        campaign = form.save(commit=False)
        campaign.organization = self.organization
        campaign.save()
        after = snapshot(campaign, CAMPAIGN_FIELDS)
        if before is None:
            record_audit(request.user, "campaign.created", campaign, after)
        elif changed_fields(before, after):
            record_audit(request.user, "campaign.saved", campaign, changed_fields(before, after))
        messages.success(request, _("Campaign saved."))
        if campaign.too_frequent:
            messages.warning(request, too_frequent_message(campaign.repeat_every_days))
        return redirect("surveys:campaigns", org_slug=org_slug)

    def get_campaign(self, pk):
        if pk is None:
            return Campaign(organization=self.organization)
        return get_live(Campaign.objects.all(), pk)

    def render_form(self, campaign, form, status=200):
        days = None
        if form.too_frequent:
            days = form.data.get("repeat_every_days") if form.is_bound else None
            days = days or campaign.repeat_every_days or form.initial.get("repeat_every_days")
        return self.render_page(
            "surveys/campaign_form.html",
            {
                "campaign": campaign,
                "form": form,
                "readonly": not self.membership.can("configure"),
                "frequency_warning": too_frequent_message(days) if days else None,
            },
            status=status,
        )


def too_frequent_message(days) -> str:
    return _(
        "Every %(days)s days is more often than twice a year: customers asked this often answer "
        "less and less. Each contact still gets at most two cold surveys a year."
    ) % {"days": days}


class CampaignArchiveView(ConfigurePage):
    section = "listening"

    def post(self, request, org_slug, pk):
        campaign = get_live(Campaign.objects.all(), pk)
        campaign.archived_at = timezone.now()
        campaign.active = False
        campaign.save(update_fields=["archived_at", "active"])
        record_audit(request.user, "campaign.archived", campaign)
        messages.success(request, _("Campaign archived."))
        return redirect("surveys:campaigns", org_slug=org_slug)
