"""Reads of the surveys app: what lists, the map, the set-up checklist and the invitation pages
show."""

from dataclasses import dataclass

from django.db.models import Count, Max, Prefetch, Q
from django.utils.translation import gettext as _

from .models import (
    Campaign,
    CampaignRun,
    DeliveryPolicy,
    Invitation,
    InvitationState,
    ListeningRule,
    SuppressionReason,
    Survey,
    SurveyVersion,
)


def live_surveys():
    """Surveys not archived, with their current version number and question count."""
    return (
        Survey.objects.filter(archived_at__isnull=True)
        .annotate(
            version_number=Max("versions__number"),
            rule_count=Count(
                "rules",
                filter=Q(rules__archived_at__isnull=True, rules__active=True),
                distinct=True,
            ),
        )
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=SurveyVersion.objects.annotate(question_count=Count("questions")),
            )
        )
    )


def live_rules():
    """Listening rules not archived, on touchpoints not archived."""
    return ListeningRule.objects.filter(
        archived_at__isnull=True, touchpoint__archived_at__isnull=True
    ).select_related("touchpoint__stage__journey", "survey", "segment")


def live_campaigns():
    return Campaign.objects.filter(archived_at__isnull=True).select_related("survey", "segment")


def count_active_rules(organization) -> int:
    return live_rules().filter(active=True).count()


def count_active_uses(survey) -> int:
    """How many active rules (on live touchpoints) and campaigns send this survey."""
    return (
        live_rules().filter(survey=survey, active=True).count()
        + live_campaigns().filter(survey=survey, active=True).count()
    )


# --- Invitations: what was decided, sent or not, and why -----------------------------------


@dataclass(frozen=True)
class StateCount:
    state: str
    label: str
    count: int


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    label: str
    count: int
    percent: float  # of every decision in the queryset, sent or not


def invitations_created_since(since, **filters):
    """The organization's invitations decided (created) at or after ``since``."""
    return Invitation.objects.filter(created_at__gte=since, **filters)


def state_counts(invitations) -> list[StateCount]:
    """Every state in the order of the lifecycle with its count (zero included), in one query."""
    counts = dict(invitations.order_by().values_list("state").annotate(n=Count("pk")))
    return [
        StateCount(state, label, counts.get(state, 0)) for state, label in InvitationState.choices
    ]


def suppression_counts(invitations) -> list[ReasonCount]:
    """Reasons invitations were not sent, most frequent first, each with its share of every
    decision; one GROUP BY gives both the counts and the total."""
    rows = list(
        invitations.order_by()
        .values_list("reason")
        .annotate(
            decisions=Count("pk"),
            suppressed=Count("pk", filter=Q(state=InvitationState.SUPPRESSED)),
        )
    )
    total = sum(decisions for _reason, decisions, _suppressed in rows)
    labels = dict(SuppressionReason.choices)
    counts = [
        ReasonCount(
            reason,
            str(labels.get(reason) or _("No reason recorded")),
            suppressed,
            100 * suppressed / total,
        )
        for reason, _decisions, suppressed in rows
        if suppressed
    ]
    return sorted(counts, key=lambda row: (-row.count, row.label))


def latest_invitations(invitations):
    """Newest first, with the contact and the interaction (your event id) each row names."""
    return invitations.select_related("contact", "interaction").order_by("-created_at", "-id")


def recent_runs(campaign, limit: int = 20):
    """The campaign's latest runs, newest first."""
    return CampaignRun.objects.filter(campaign=campaign).order_by("-scheduled_for")[:limit]


def delivery_policy(organization) -> DeliveryPolicy:
    """The organization's policy, or an unsaved one with the defaults when none was saved yet."""
    return DeliveryPolicy.objects.first() or DeliveryPolicy(organization=organization)


# --- Channels ------------------------------------------------------------------------------


def senders_for(organization) -> list:
    """The SenderNumbers the organization may send from: its own active ones first, then the
    active shared ones; each group by number.

    Auth tokens are read (decrypted) only when ``credentials()`` is called, by a send.
    """
    from .models import SenderNumber

    senders = (
        SenderNumber.objects.filter(
            Q(organization=organization) | Q(organization__isnull=True), active=True
        )
        .select_related("account")
        .defer("account__auth_token")
    )
    return sorted(senders, key=lambda sender: (sender.is_shared, sender.number))
