"""The period selector and the filters of the dashboard pages, read from the query string.

Every field is optional: a first visit shows the last 30 days. A bad value (a journey of another
organization, an inverted custom period) is reported beside its field and replaced by its
default, so that a stale bookmark still opens the page.
"""

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from surveys.metrics import Filters, Period
from surveys.models import ResponseChannel

DEFAULT_PERIOD = "30"
PERIOD_DAYS = {"7": 7, "30": 30, "90": 90, "365": 365}
PERIOD_CHOICES = (
    ("7", _("Last 7 days")),
    ("30", _("Last 30 days")),
    ("90", _("Last 90 days")),
    ("365", _("Last 12 months")),
    ("custom", _("Custom dates")),
)
# A custom period spans at most this many days.
LONGEST_PERIOD = 3 * 366
# Up to this many days the trend is drawn day by day, beyond it week by week.
DAILY_UP_TO = 14


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIOD_CHOICES, required=False)
    since = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    until = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    journey = forms.TypedChoiceField(
        label=_("Journey"), coerce=int, required=False, empty_value=None
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *ResponseChannel.choices],
    )

    def __init__(self, data, *, organization, journeys=(), fields=("journey", "channel")):
        super().__init__(data)
        self.organization = organization
        for name in ("journey", "channel"):
            if name not in fields:
                del self.fields[name]
        if "journey" in self.fields:
            self.fields["journey"].choices = [
                ("", _("All journeys")),
                *((journey.pk, journey.name) for journey in journeys),
            ]

    def today(self):
        return timezone.localdate(timezone=ZoneInfo(self.organization.time_zone))

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        period = data.get("period") or ""
        if not period and since and until:
            period = "custom"  # a bookmark with dates only
        if period == "custom":
            if not since:
                self.add_error("since", _("Choose the first day of the period."))
            if not until:
                self.add_error("until", _("Choose the last day of the period."))
            if since and until and since > until:
                self.add_error("until", _("The last day must come after the first day."))
            elif since and until and (until - since).days >= LONGEST_PERIOD:
                self.add_error("until", _("Choose a period of at most three years."))
            if self.errors:
                period = DEFAULT_PERIOD
        data["period"] = period or DEFAULT_PERIOD
        return data

    def selection(self) -> "Selection":
        """The filters to apply: the valid fields, the defaults in place of the others."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        period_key = data.get("period") or DEFAULT_PERIOD
        if period_key == "custom":
            period = Period(since=data["since"], until=data["until"])
        else:
            period = Period.last_days(
                self.organization, PERIOD_DAYS[period_key], today=self.today()
            )
        filters = Filters(
            period=period, journey=data.get("journey"), channel=data.get("channel") or None
        )
        query = {"period": period_key}
        if period_key == "custom":
            query.update(since=period.since.isoformat(), until=period.until.isoformat())
        return Selection(filters=filters, period_key=period_key, period_query=urlencode(query))


class Selection:
    """What the form chose: the metrics filters, and how to keep the period in links."""

    def __init__(self, *, filters, period_key, period_query):
        self.filters = filters
        self.period = filters.period
        self.period_key = period_key
        self.period_query = period_query

    @property
    def days(self) -> int:
        return (self.period.until - self.period.since).days + 1

    @property
    def trend_grouping(self) -> str:
        return "day" if self.days <= DAILY_UP_TO else "week"

    def describe(self) -> str:
        return describe_period(self.period)

    def describe_previous(self) -> str:
        return describe_period(self.period.previous())


def describe_period(period) -> str:
    """ "1 Nov 2026 – 30 Nov 2026" in the user's language."""
    if period.since == period.until:
        return date_format(period.since, "DATE_FORMAT")
    return (
        f"{date_format(period.since, 'DATE_FORMAT')} – {date_format(period.until, 'DATE_FORMAT')}"
    )
