"""Reads of the surveys app: what lists, the map and the set-up checklist show."""

from django.db.models import Count, Max, Prefetch, Q

from .models import Campaign, ListeningRule, Survey, SurveyVersion


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
