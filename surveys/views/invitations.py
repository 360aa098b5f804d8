"""Invitation pages: what was decided at a touchpoint or by a campaign, sent or not, and why.

A CX manager reads them to tune sampling and fatigue; every role may read them. Archived
touchpoints and campaigns keep their page: their invitations are history worth reading.
"""

from datetime import datetime, time, timedelta
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _

from journeys.models import Touchpoint

from ..forms import InvitationFilterForm
from ..models import Campaign
from ..selectors import (
    invitations_created_since,
    latest_invitations,
    recent_runs,
    state_counts,
    suppression_counts,
)
from .base import SurveysPage

PAGE_SIZE = 50


def period_start(organization, days: int, now=None) -> datetime:
    """Midnight, in the organization's time zone, of the first of the last ``days`` days
    (today included)."""
    zone = organization.zone
    today = timezone.localtime(now or timezone.now(), zone).date()
    return datetime.combine(today - timedelta(days=days - 1), time.min, tzinfo=zone)


class InvitationsPage(SurveysPage):
    """The blocks both pages share; subclasses name their object and its invitations."""

    section = "listening"
    template_name: str

    def get(self, request, org_slug, pk):
        subject = self.get_subject(pk)
        form, filters = InvitationFilterForm.read(request.GET)
        since = period_start(self.organization, filters["period"])
        decided = invitations_created_since(since, **self.invitation_filter(subject))
        listed = decided
        if filters["state"]:
            listed = listed.filter(state=filters["state"])
        if filters["reason"]:
            listed = listed.filter(reason=filters["reason"])
        page = Paginator(latest_invitations(listed), PAGE_SIZE).get_page(request.GET.get("page"))
        states = state_counts(decided)
        context = {
            "subject": subject,
            "form": form,
            "filters": filters,
            "since": since.date(),
            "states": states,
            "total": sum(row.count for row in states),
            "reasons": suppression_counts(decided),
            "page": page,
            "query": urlencode({name: value for name, value in filters.items() if value}),
            "empty_message": self.empty_message(),
        }
        context.update(self.extra_context(subject))
        return self.render_page(self.template_name, context)

    def extra_context(self, subject) -> dict:
        return {}


class TouchpointInvitationsView(InvitationsPage):
    template_name = "surveys/touchpoint_invitations.html"

    def get_subject(self, pk):
        return get_object_or_404(Touchpoint.objects.select_related("stage__journey"), pk=pk)

    def invitation_filter(self, touchpoint) -> dict:
        return {"touchpoint": touchpoint}

    def empty_message(self) -> str:
        return _(
            "No invitation in this period. Invitations appear here when your systems post "
            "interactions at this touchpoint to POST /api/v1/interactions/ (or import them) and "
            "an active listening rule turns them into surveys: each one is listed, sent or not, "
            "with the reason it was not sent."
        )


class CampaignInvitationsView(InvitationsPage):
    template_name = "surveys/campaign_invitations.html"

    def get_subject(self, pk):
        return get_object_or_404(Campaign.objects.select_related("survey", "segment"), pk=pk)

    def invitation_filter(self, campaign) -> dict:
        return {"campaign": campaign}

    def empty_message(self) -> str:
        return _(
            "No invitation in this period. A campaign's invitations appear here once it runs: "
            "on its first sending date, then at each repetition; each one is listed, sent or "
            "not, with the reason it was not sent."
        )

    def extra_context(self, campaign) -> dict:
        return {"runs": recent_runs(campaign)}
