"""Groups of a measurement: their keys, labels and order, and the empty ones to show.

Periods (day, ISO week, month) are listed in order, every one of the period, answers or not;
touchpoints and stages list the organization's (within the filters) and any other that has
answers; channels every channel; attribute values those found. Others are sorted by label. The
group of rows without one (no touchpoint, no attribute) has the key "".
"""

from datetime import date, timedelta

from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journeys.models import Stage, Touchpoint

from ..models import ResponseChannel
from .inputs import PERIOD_GROUPINGS, MetricsError

MAX_GROUPS = 5000


def week_key(day: date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_starts(group_by: str, since: date, until: date) -> list[date]:
    """The first day of each day / ISO week / month that meets since..until."""
    if group_by == "day":
        first, step = since, lambda day: day + timedelta(days=1)
    elif group_by == "week":
        first, step = since - timedelta(days=since.weekday()), lambda day: day + timedelta(days=7)
    else:
        first = since.replace(day=1)
        step = lambda day: (day + timedelta(days=32)).replace(day=1)  # noqa: E731
    starts = []
    while first <= until:
        starts.append(first)
        if len(starts) > MAX_GROUPS:
            raise MetricsError(
                "group_by", _("Too many groups: group by week or month, or shorten the period.")
            )
        first = step(first)
    return starts


def period_key(group_by: str, start: date) -> str:
    if group_by == "day":
        return start.isoformat()
    if group_by == "week":
        return week_key(start)
    return start.strftime("%Y-%m")


def period_label(group_by: str, start: date) -> str:
    if group_by == "day":
        return date_format(start, "DATE_FORMAT")
    if group_by == "week":
        year, week, _weekday = start.isocalendar()
        return _("Week %(week)d, %(year)d") % {"week": week, "year": year}
    return date_format(start, "YEAR_MONTH_FORMAT")


def object_labels(model, filters, present) -> dict:
    """id -> name of the model's objects within the filters (active ones) or with data."""
    within = Q(archived_at__isnull=True)
    if model is Touchpoint:
        within &= Q(
            **{
                path: value
                for path, value in (
                    ("pk", filters.touchpoint),
                    ("stage", filters.stage),
                    ("stage__journey", filters.journey),
                )
                if value
            }
        )
    else:
        within &= Q(
            **{
                path: value
                for path, value in (
                    ("pk", filters.stage),
                    ("journey", filters.journey),
                    ("touchpoints", filters.touchpoint),
                )
                if value
            }
        )
    ids = [key for key in present if key is not None]
    rows = model.objects.filter(within | Q(pk__in=ids)).values_list("pk", "name").distinct()
    return dict(rows.order_by())


def ordered_groups(group_by: str, filters, present) -> list[tuple[object, str, str]]:
    """(raw group value, key, label) of every group to show, in order."""
    if group_by in PERIOD_GROUPINGS:
        period = filters.period
        starts = period_starts(group_by, period.since, period.until)
        return [
            (start, period_key(group_by, start), period_label(group_by, start)) for start in starts
        ]
    if group_by in ("touchpoint", "stage"):
        model = Touchpoint if group_by == "touchpoint" else Stage
        labels = object_labels(model, filters, present)
        groups = [(pk, str(pk), name) for pk, name in labels.items()]
        none_label = _("No touchpoint") if group_by == "touchpoint" else _("No stage")
    elif group_by == "channel":
        wanted = [filters.channel] if filters.channel else ResponseChannel.values
        codes = set(wanted) | {code for code in present if code is not None}
        groups = [(code, code, channel_label(code)) for code in codes]
        none_label = _("No channel")
    else:
        groups = [(value, value, value) for value in present if value is not None]
        none_label = _("Not set")
    groups.sort(key=lambda group: (group[2].casefold(), group[1]))
    if None in present:
        groups.append((None, "", str(none_label)))
    return groups


def channel_label(code: str) -> str:
    try:
        return str(ResponseChannel(code).label)
    except ValueError:
        return code
