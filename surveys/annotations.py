"""How each touchpoint is listened to, in one line per active rule, for the journey map."""

from collections import defaultdict

from django.utils.translation import gettext as _

from .models import ListeningRule, Timing, describe_delay


def describe_rule(rule: ListeningRule) -> str:
    """e.g. "Hot · SMS then email · Post-purchase NPS", "Warm (3 days) · Email · CSAT"."""
    if rule.timing == Timing.HOT:
        timing = _("Hot")
    else:
        timing = _("Warm (%(delay)s)") % {"delay": describe_delay(rule.delay_minutes)}
    return " · ".join([timing, rule.channels_display, rule.survey.name])


def listening_lines(organization, touchpoint_ids) -> dict[int, list[str]]:
    """``{touchpoint id: [line per active rule]}``, highest priority first, in one query."""
    rules = (
        ListeningRule.objects.filter(
            touchpoint_id__in=touchpoint_ids, archived_at__isnull=True, active=True
        )
        .select_related("survey")
        .order_by("-priority", "pk")
    )
    lines: dict[int, list[str]] = defaultdict(list)
    for rule in rules:
        lines[rule.touchpoint_id].append(describe_rule(rule))
    return dict(lines)
