"""Where the counts come from: the rollups, or the raw answers and invitations ("computed live").

Both kinds of table are read through one description (``Table``): the same filters and the same
groupings become lookups on either, and each query groups and counts in the database, so that
the dashboards' numbers cost one small query whatever the number of answers.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, FilteredRelation, Q, Sum, TextField
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, TruncDate, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from journeys.models import Journey, Stage, Touchpoint
from vocapp.contacts.models import Contact, Segment
from vocapp.contacts.segments import compile_conditions

from ..models import DEFAULT_SCALES, Answer, AnswerRollup, Invitation, InvitationRollup
from ..rollups import day_start
from .inputs import ATTRIBUTE_GROUPING, Filters, MetricsError, Period, check_attribute_name

# The invitations a response rate is measured against (ARCHITECTURE.md), and the answered ones.
BASE_STATES = ("sent", "delivered", "answered", "expired")
ANSWERED = "answered"
LARGEST_ID = 2**63 - 1


@dataclass(frozen=True)
class Table:
    model: type
    raw: bool
    touchpoint: str  # the path to the touchpoint
    channel: str
    moment: str | None = None  # raw: the datetime whose local day counts
    contact: str | None = None  # raw: the path to the contact
    interaction: str | None = None  # raw: the path to the interaction

    def count(self):
        return Count("pk") if self.raw else Sum("count")

    def day(self, zone):
        return TruncDate(self.moment, tzinfo=zone) if self.raw else F("day")


ROLLUP_ANSWERS = Table(AnswerRollup, False, "touchpoint", "channel")
ROLLUP_INVITATIONS = Table(InvitationRollup, False, "touchpoint", "channel")
RAW_ANSWERS = Table(
    Answer,
    True,
    "response__touchpoint",
    "response__channel",
    moment="created_at",
    contact="response__contact",
    interaction="response__invitation__interaction",
)
RAW_INVITATIONS = Table(
    Invitation,
    True,
    "touchpoint",
    "channel",
    moment="sent_at",
    contact="contact",
    interaction="interaction",
)


def tables(raw: bool) -> tuple[Table, Table]:
    """The answers' and the invitations' table."""
    return (RAW_ANSWERS, RAW_INVITATIONS) if raw else (ROLLUP_ANSWERS, ROLLUP_INVITATIONS)


@dataclass(frozen=True)
class Context:
    """Filters checked against the organization (in its scope), ready to become lookups."""

    organization: object
    zone: ZoneInfo
    filters: Filters
    contacts: object = None  # the segment's contacts (a subquery of ids), or None


OBJECTS = (
    ("journey", Journey, lambda: _("No such journey.")),
    ("stage", Stage, lambda: _("No such stage.")),
    ("touchpoint", Touchpoint, lambda: _("No such touchpoint.")),
)


def context_for(organization, filters: Filters) -> Context:
    """Check that every id names one of the organization's objects (another organization's id
    is answered like an id that does not exist); one query per id given."""
    for field, model, missing in OBJECTS:
        value = getattr(filters, field)
        if value is not None and not model.objects.filter(pk=checked_id(field, value)).exists():
            raise MetricsError(field, missing())
    contacts = None
    if filters.segment is not None:
        segment = Segment.objects.filter(pk=checked_id("segment", filters.segment)).first()
        if segment is None:
            raise MetricsError("segment", _("No such segment."))
        contacts = (
            Contact.objects.filter(erased_at__isnull=True)
            .filter(compile_conditions(segment.conditions))
            .values("pk")
        )
    for name, value in filters.attributes:
        check_attribute_name(f"attr.{name}", name)
        if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
            raise MetricsError(f"attr.{name}", _("Give a value of at most 200 characters."))
    return Context(organization, organization.zone, filters, contacts)


def checked_id(field: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MetricsError(field, _("Give an id as a whole number."))
    return value if 0 < value <= LARGEST_ID else 0  # 0 names nothing


# --- Lookups ------------------------------------------------------------------------------------


# The interaction joined on the organization's own only: said outright, it lets the database
# read them through its index rather than every organization's interactions, whose attributes
# it cannot estimate (an attribute filter or grouping took seconds at a million answers).
OWN_INTERACTION = "own_interaction"


def own_interaction(table: Table, context: Context) -> FilteredRelation:
    path = table.interaction
    return FilteredRelation(path, condition=Q(**{f"{path}__organization": context.organization}))


def attribute(name: str):
    """An interaction attribute as text (numbers too, on every database)."""
    return Cast(KeyTextTransform(name, f"{OWN_INTERACTION}__attributes"), TextField())


def narrowed(table: Table, context: Context, period: Period):
    """The table's rows of the period, narrowed by the filters."""
    if table.raw:
        queryset = table.model.objects.filter(
            **{
                f"{table.moment}__gte": day_start(period.since, context.zone),
                f"{table.moment}__lt": day_start(period.until + timedelta(days=1), context.zone),
            }
        )
    else:
        queryset = table.model.objects.filter(day__gte=period.since, day__lte=period.until)
    filters = context.filters
    lookups = {
        table.touchpoint: filters.touchpoint,
        f"{table.touchpoint}__stage": filters.stage,
        f"{table.touchpoint}__stage__journey": filters.journey,
        table.channel: filters.channel,
    }
    queryset = queryset.filter(**{path: value for path, value in lookups.items() if value})
    if filters.live and not table.raw:
        raise ValueError("segment and attribute filters need the raw data")
    if context.contacts is not None:
        queryset = queryset.filter(**{f"{table.contact}__in": context.contacts})
    if table.raw:  # joined only when an attribute is read
        queryset = queryset.alias(**{OWN_INTERACTION: own_interaction(table, context)})
    for index, (name, value) in enumerate(filters.attributes):
        alias = f"attribute_{index}"
        queryset = queryset.alias(**{alias: attribute(name)}).filter(**{alias: value})
    return queryset


# Rollups are few rows a day: grouping them by day and folding the days into weeks or months
# here costs less than the database truncating every row's date.
FOLDS = {
    "week": lambda day: day - timedelta(days=day.weekday()),
    "month": lambda day: day.replace(day=1),
}


def folded(table: Table, group_by: str | None):
    """(the grouping the query uses, the fold of its groups into the asked one, or None)."""
    if not table.raw and group_by in FOLDS:
        return "day", FOLDS[group_by]
    return group_by, None


def grouping(table: Table, context: Context, group_by: str):
    """The expression whose value is a row's group."""
    day = table.day(context.zone)
    if group_by.startswith(ATTRIBUTE_GROUPING):
        if not table.raw:
            raise ValueError("an attribute grouping needs the raw data")
        return attribute(group_by[len(ATTRIBUTE_GROUPING) :])
    return {
        "day": lambda: day,
        "week": lambda: TruncWeek(day),
        "month": lambda: TruncMonth(day),
        "touchpoint": lambda: F(table.touchpoint),
        "stage": lambda: F(f"{table.touchpoint}__stage"),
        "channel": lambda: F(table.channel),
    }[group_by]()


# --- Counts -------------------------------------------------------------------------------------


def score_counts(table, context, metric, period, group_by=None) -> dict:
    """group (None without grouping) -> {(scale_min, scale_max, score): count}, in one query."""
    queryset = narrowed(table, context, period)
    if table.raw:
        queryset = queryset.filter(question__kind=metric, score__isnull=False)
        scale = ("question__scale_min", "question__scale_max")
    else:
        queryset = queryset.filter(metric=metric)
        scale = ("scale_min", "scale_max")
    group_by, fold = folded(table, group_by)
    keys = {"group": grouping(table, context, group_by)} if group_by else {}
    rows = queryset.values(*scale, "score", **keys).annotate(n=table.count()).order_by()
    default_min, default_max = DEFAULT_SCALES[metric]
    found = defaultdict(Counter)
    for row in rows:
        low, high = row[scale[0]], row[scale[1]]
        scale_key = (
            default_min if low is None else low,
            default_max if high is None else high,
            row["score"],
        )
        group = row.get("group")
        found[fold(group) if fold else group][scale_key] += row["n"]
    return found


def invitation_counts(table, context, period, group_by=None) -> dict:
    """group -> (answered, base) of the invitations sent in the period, in one query."""
    queryset = narrowed(table, context, period).filter(state__in=BASE_STATES)
    group_by, fold = folded(table, group_by)
    keys = {"group": grouping(table, context, group_by)} if group_by else {}
    rows = queryset.values("state", **keys).annotate(n=table.count()).order_by()
    found = defaultdict(lambda: [0, 0])
    for row in rows:
        group = row.get("group")
        counts = found[fold(group) if fold else group]
        counts[0] += row["n"] if row["state"] == ANSWERED else 0
        counts[1] += row["n"]
    return {group: tuple(counts) for group, counts in found.items()}
