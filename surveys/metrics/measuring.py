"""``measure``: one metric over a period, overall and by group, with its response rate and its
trend against the previous period.

Three queries from the rollups (the scores by group, the invitations by group, the previous
period's scores), plus one per id filter to check it and one for touchpoint or stage names.
Segment and attribute filters, and ``attr:<name>`` groupings, read the raw answers instead:
the measurement says ``computed_live`` (an ``attr:`` grouping still takes the previous period,
which it does not group, from the rollups).
"""

from collections import Counter
from dataclasses import dataclass

from vocapp.tenancy.scope import organization_scope

from .. import statistics
from ..statistics import Change, MetricValue, ResponseRate
from .groups import ordered_groups, period_starts
from .inputs import (
    PERIOD_GROUPINGS,
    SOURCES,
    Filters,
    check_channel,
    check_grouping,
    check_metric,
    is_live_grouping,
)
from .sources import context_for, invitation_counts, score_counts, tables


@dataclass(frozen=True)
class Group:
    key: str  # "2026-03-02", "2026-W10", "2026-03", a touchpoint or stage id, a channel, a value
    label: str  # "2 March 2026", "Week 10, 2026", "March 2026", a name, "SMS"
    value: MetricValue
    response_rate: ResponseRate | None


@dataclass(frozen=True)
class Measurement:
    metric: str
    filters: Filters
    overall: MetricValue
    response_rate: ResponseRate
    groups: list[Group]  # [] without group_by; periods in order, others by label
    computed_live: bool  # segment, attributes or attr: grouping: read from the raw answers
    previous: MetricValue | None  # the same filters over filters.period.previous()
    change: Change | None


def uses_raw_data(filters: Filters, group_by, source: str) -> bool:
    live = filters.live or is_live_grouping(group_by)
    if source not in SOURCES:
        raise ValueError(f"source is one of {SOURCES}")
    if source == "rollups" and live:
        raise ValueError("segment and attribute filters and groupings need the raw data")
    return live or source == "raw"


def total(by_group: dict) -> Counter:
    merged = Counter()
    for counts in by_group.values():
        merged.update(counts)
    return merged


def measure(organization, metric, filters: Filters, group_by=None, *, source="auto"):
    """The metric over ``filters`` (see the module's docstring); raises MetricsError naming the
    input at fault. ``source``: "auto" (rollups unless a live filter), "rollups" or "raw"."""
    check_metric(metric)
    group_by = check_grouping(group_by)
    check_channel(filters.channel)
    if group_by in PERIOD_GROUPINGS:  # too many periods: refused before any query
        period_starts(group_by, filters.period.since, filters.period.until)
    raw = uses_raw_data(filters, group_by, source)
    answers, invitations = tables(raw)
    minimum_n = organization.minimum_n
    with organization_scope(organization):
        context = context_for(organization, filters)
        scores = score_counts(answers, context, metric, filters.period, group_by)
        invited = invitation_counts(invitations, context, filters.period, group_by)
        # The previous period is not grouped: an attribute grouping alone needs no raw data.
        earlier, _ = tables(uses_raw_data(filters, None, source))
        before = score_counts(earlier, context, metric, filters.period.previous())
        groups = []
        if group_by:
            for value, key, label in ordered_groups(group_by, filters, set(scores) | set(invited)):
                groups.append(
                    Group(
                        key=key,
                        label=label,
                        value=statistics.measure(metric, scores.get(value, {}), minimum_n),
                        response_rate=statistics.response_rate(*invited.get(value, (0, 0))),
                    )
                )
    overall = statistics.measure(metric, total(scores), minimum_n)
    previous = statistics.measure(metric, total(before), minimum_n)
    answered = sum(counts[0] for counts in invited.values())
    base = sum(counts[1] for counts in invited.values())
    return Measurement(
        metric=metric,
        filters=filters,
        overall=overall,
        response_rate=statistics.response_rate(answered, base),
        groups=groups,
        computed_live=filters.live or is_live_grouping(group_by),
        previous=previous,
        change=statistics.change(previous, overall),
    )
