"""The one query layer of the metrics: every dashboard page, the metrics API and the bench read
their numbers here; the numbers themselves are defined in ``surveys.statistics``.

Counts come from the rollups (``surveys.rollups``: a few thousand rows per organization and
metric, grouped in SQL) unless a filter or grouping needs the raw answers (a segment, an
interaction attribute, ``attr:<name>``): then ``computed_live`` is True. Periods are local days
in the organization's time zone. Every function enters the organization's scope itself.

Interface::

    Period(since: date, until: date)          # inclusive local days; since > until -> MetricsError
        .previous() -> Period                 # same length, just before
        .days -> int
        Period.last_days(organization, days, today=None) -> Period
        Period.parse(organization, since="", until="", default_days=30) -> Period
            # ISO dates as text (API, forms); defaults: until = today, since = until − 29 days

    Filters(period, journey=None, stage=None, touchpoint=None, channel=None, segment=None,
            attributes=())                    # ids are ints; attributes: (("store", "Lyon"),)
        .live -> bool                         # segment or attributes: raw data

    GROUPINGS = ("day", "week", "month", "touchpoint", "stage", "channel")  # + "attr:<name>"

    measure(organization, metric, filters, group_by=None, *, source="auto") -> Measurement
        Measurement(metric, filters, overall: MetricValue, response_rate: ResponseRate,
                    groups: list[Group], computed_live, previous: MetricValue, change: Change)
        Group(key, label, value: MetricValue, response_rate: ResponseRate)
            # keys: day "2026-03-02", week "2026-W10" (ISO), month "2026-03", touchpoint and
            # stage ids as text, channel codes, attribute values; "" for rows without one.
            # Periods: every day / week / month of the period, in order (n = 0 ones too);
            # touchpoints / stages: the active ones within the filters and any with answers;
            # channels: all four (or the filtered one); by label otherwise.
    touchpoint_levels(organization, period, journey=None) -> dict[int, TouchpointLevel]
        TouchpointLevel(touchpoint: int, metric, value: MetricValue, level, band, n)
            # only touchpoints with answers in the period; one rollup query
    score_distribution(organization, metric, filters, *, source="auto") -> dict[int, int]
    latest_verbatims(organization, filters, limit=20) -> list[Verbatim]
        Verbatim(id, text, created_at, touchpoint, touchpoint_name, channel, locale, score,
                 metric, .channel_label)      # score/metric: the response's first scored answer

    The statistics types (MetricValue, ResponseRate, Change) are surveys.statistics'.

    MetricsError(field, message)              # .field names the API parameter at fault:
        # metric, group_by, since, until, channel, journey, stage, touchpoint, segment,
        # attr.<name>; another organization's id gets the message of a missing one.
"""

from .details import (
    TouchpointLevel,
    Verbatim,
    latest_verbatims,
    score_distribution,
    touchpoint_levels,
)
from .inputs import GROUPINGS, Filters, MetricsError, Period
from .measuring import Group, Measurement, measure

__all__ = [
    "GROUPINGS",
    "Filters",
    "Group",
    "Measurement",
    "MetricsError",
    "Period",
    "TouchpointLevel",
    "Verbatim",
    "latest_verbatims",
    "measure",
    "score_distribution",
    "touchpoint_levels",
]
