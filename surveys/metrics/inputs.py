"""What a measurement is asked for: a period of local days, filters, a grouping; and the error
that names the input at fault."""

import re
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from ..models import ResponseChannel
from ..statistics import METRICS

GROUPINGS = ("day", "week", "month", "touchpoint", "stage", "channel")  # + "attr:<name>" (live)
PERIOD_GROUPINGS = ("day", "week", "month")
ATTRIBUTE_GROUPING = "attr:"
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}$")
SOURCES = ("auto", "rollups", "raw")
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2199, 12, 31)
DEFAULT_DAYS = 30


class MetricsError(ValueError):
    """A bad input, named: ``field`` is the API parameter (or form field) at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Period:
    """Local days in the organization's time zone, both ends included."""

    since: date
    until: date

    def __post_init__(self):
        if self.since > self.until:
            raise MetricsError("since", _("The start of the period is after its end."))

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1

    def previous(self) -> "Period":
        """The period of the same length just before this one (for trends)."""
        return Period(self.since - timedelta(days=self.days), self.since - timedelta(days=1))

    @classmethod
    def last_days(cls, organization, days: int, today: date | None = None) -> "Period":
        """The last ``days`` local days, today included."""
        today = today or timezone.localdate(timezone=organization.zone)
        return cls(today - timedelta(days=days - 1), today)

    @classmethod
    def parse(cls, organization, since=None, until=None, default_days: int = DEFAULT_DAYS):
        """A period from ISO dates given as text (either may be empty): without ``until`` it
        ends today, without ``since`` it lasts ``default_days``. Raises MetricsError."""
        first, last = parse_day("since", since), parse_day("until", until)
        if last is None:
            last = timezone.localdate(timezone=organization.zone)
            if first is not None and first > last:
                raise MetricsError("since", _("The start of the period is in the future."))
        if first is None:
            first = max(FIRST_DAY, last - timedelta(days=default_days - 1))
        return cls(first, last)


def parse_day(field: str, text) -> date | None:
    if text in (None, ""):
        return None
    if isinstance(text, date):
        day = text
    else:
        try:
            day = parse_date(str(text))
        except ValueError:
            day = None
        if day is None:
            raise MetricsError(field, _("Give a date as YYYY-MM-DD."))
    if not FIRST_DAY <= day <= LAST_DAY:
        raise MetricsError(field, _("Give a date between 1900 and 2199."))
    return day


@dataclass(frozen=True)
class Filters:
    """What to count: the period, then optional ids of the organization's objects (the API's
    query parameters). ``segment`` and ``attributes`` (interaction attribute = value) need the
    raw answers: the measurement says it was computed live."""

    period: Period
    journey: int | None = None
    stage: int | None = None
    touchpoint: int | None = None
    channel: str | None = None
    segment: int | None = None
    attributes: tuple[tuple[str, str], ...] = ()

    @property
    def live(self) -> bool:
        return self.segment is not None or bool(self.attributes)


def check_metric(metric) -> str:
    if metric not in METRICS:
        raise MetricsError("metric", _("Choose nps, csat or ces."))
    return metric


def check_grouping(group_by) -> str | None:
    """The grouping, or None; "attr:<name>" groups by an interaction attribute."""
    if group_by in (None, "") or group_by in GROUPINGS:
        return group_by or None
    if isinstance(group_by, str) and group_by.startswith(ATTRIBUTE_GROUPING):
        check_attribute_name("group_by", group_by[len(ATTRIBUTE_GROUPING) :])
        return group_by
    raise MetricsError(
        "group_by", _("Group by day, week, month, touchpoint, stage, channel or attr:<name>.")
    )


def check_attribute_name(field: str, name: str) -> str:
    if not ATTRIBUTE_NAME.match(name or ""):
        raise MetricsError(
            field,
            _(
                "An attribute name has 1 to 64 letters, digits, hyphens or underscores, "
                "and starts with a letter or an underscore."
            ),
        )
    return name


def check_channel(channel) -> str | None:
    if channel in (None, ""):
        return None
    if channel not in ResponseChannel.values:
        raise MetricsError("channel", _("Choose sms, email, link or qr."))
    return channel


def is_live_grouping(group_by: str | None) -> bool:
    return bool(group_by) and group_by.startswith(ATTRIBUTE_GROUPING)
