"""Rollups: keep ``AnswerRollup`` and ``InvitationRollup`` equal to what the raw data says.

A cell is one organization's local day (its time zone): every rollup row of that day is derived
from the answers created and the invitations sent on that day, and recomputed as a whole
(``recompute_days``: delete, then insert the day's aggregates), so a pass can run twice without
counting anything twice.

- ``refresh_rollups`` (the beat, every 30 s) recomputes the cells whose answers
  (``Answer.updated_at``) or invitations (``Invitation.state_changed_at``) changed since its last
  pass, minus a safety margin for transactions that commit late. It locks the ``RollupCursor``
  rows, so one pass runs at a time (a second one finds them locked and does nothing), and moves
  them to the pass's start. Without a cursor yet (a new install, or rollups added to existing
  data) it rebuilds everything first.
- ``rebuild_rollups`` recomputes every cell of one or every organization from the raw data
  (``python manage.py rebuild_rollups``); running it again changes nothing.

Every writer (a pass, a rebuild, ``recompute_days``) holds the cursors' lock while it writes, so
that two of them never insert the same day twice.

Deletions do not leave a trace for the cursor: erasing answers (GDPR) must recompute the days it
touched (``recompute_days``), or a rebuild catches up.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import reduce
from operator import or_
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from vocapp.bulk import insert_rows
from vocapp.tenancy.models import Organization

from .models import (
    DEFAULT_SCALES,
    SCORED_KINDS,
    Answer,
    AnswerRollup,
    Invitation,
    InvitationRollup,
    RollupCursor,
)

SOURCES = ("answers", "invitations")
# Changes committed up to this long after their timestamp are still picked up.
SAFETY_MARGIN = timedelta(minutes=2)
INSERT_BATCH = 20_000

ANSWER_FIELDS = (
    "organization_id",
    "day",
    "touchpoint_id",
    "channel",
    "metric",
    "scale_min",
    "scale_max",
    "score",
    "count",
)
INVITATION_FIELDS = ("organization_id", "day", "touchpoint_id", "channel", "state", "count")


@dataclass
class RefreshResult:
    skipped: bool = False  # another pass holds the cursors
    rebuilt: bool = False  # no cursor yet: every organization was rebuilt
    days: dict[str, list[date]] = field(default_factory=dict)  # organization slug -> days

    def __str__(self):
        if self.skipped:
            return "another pass is running"
        cells = sum(len(days) for days in self.days.values())
        prefix = "rebuilt every organization; " if self.rebuilt else ""
        return f"{prefix}recomputed {cells} day(s) in {len(self.days)} organization(s)"


@dataclass
class RebuildResult:
    organizations: list[str] = field(default_factory=list)  # slugs
    answer_rows: int = 0
    invitation_rows: int = 0

    def __str__(self):
        return (
            f"rebuilt {len(self.organizations)} organization(s): {self.answer_rows} answer "
            f"rollup row(s), {self.invitation_rows} invitation rollup row(s)"
        )


# --- Time ------------------------------------------------------------------------------------


def day_start(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of the local ``day`` in ``zone``."""
    return datetime.combine(day, time.min, tzinfo=zone)


def day_runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs: 1, 2, 3, 7 → (1, 3), (7, 7)."""
    runs = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def moments_within(moment: str, runs, zone: ZoneInfo) -> Q:
    """``moment`` (a datetime field) within one of the local day ``runs``."""
    return reduce(
        or_,
        (
            Q(
                **{
                    f"{moment}__gte": day_start(first, zone),
                    f"{moment}__lt": day_start(last + timedelta(days=1), zone),
                }
            )
            for first, last in runs
        ),
    )


def days_within(runs) -> Q:
    return reduce(or_, (Q(day__gte=first, day__lte=last) for first, last in runs))


# --- Aggregating the raw data ------------------------------------------------------------------


def scale_of(kind: str, low, high) -> tuple[int, int]:
    default = DEFAULT_SCALES[kind]
    return (default[0] if low is None else low, default[1] if high is None else high)


def answer_rows(organization, where: Q) -> list[tuple]:
    """The answer rollup rows of the organization's scored answers matching ``where``."""
    zone = organization.zone
    grouped = (
        Answer.objects.unscoped()
        .filter(where, organization=organization, question__kind__in=SCORED_KINDS)
        .exclude(score__isnull=True)
        .annotate(local_day=TruncDate("created_at", tzinfo=zone))
        .values(
            "local_day",
            "response__touchpoint_id",
            "response__channel",
            "question__kind",
            "question__scale_min",
            "question__scale_max",
            "score",
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = Counter()
    for row in grouped.iterator():
        kind = row["question__kind"]
        low, high = scale_of(kind, row["question__scale_min"], row["question__scale_max"])
        key = (
            row["local_day"],
            row["response__touchpoint_id"],
            row["response__channel"],
            kind,
            low,
            high,
            row["score"],
        )
        counts[key] += row["n"]
    return [(organization.pk, *key, n) for key, n in counts.items()]


def invitation_rows(organization, where: Q) -> list[tuple]:
    """The invitation rollup rows of the organization's sent invitations matching ``where``."""
    zone = organization.zone
    grouped = (
        Invitation.objects.unscoped()
        .filter(where, organization=organization, sent_at__isnull=False)
        .annotate(local_day=TruncDate("sent_at", tzinfo=zone))
        .values("local_day", "touchpoint_id", "channel", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return [
        (
            organization.pk,
            row["local_day"],
            row["touchpoint_id"],
            row["channel"],
            row["state"],
            row["n"],
        )
        for row in grouped.iterator()
    ]


def insert(model, fields, rows) -> int:
    for start in range(0, len(rows), INSERT_BATCH):
        insert_rows(model, fields, rows[start : start + INSERT_BATCH])
    return len(rows)


# --- Recomputing -------------------------------------------------------------------------------


def recompute_days(organization, days: Iterable[date]) -> tuple[int, int]:
    """Recompute the organization's rollup rows of these local days from the raw data; the
    numbers of answer and invitation rows written."""
    runs = day_runs(days)
    if not runs:
        return 0, 0
    zone = organization.zone
    with transaction.atomic():
        lock_cursors(wait=True)  # one writer at a time, or a day could be inserted twice
        for model in (AnswerRollup, InvitationRollup):
            model.objects.unscoped().filter(days_within(runs), organization=organization).delete()
        answers = answer_rows(organization, moments_within("created_at", runs, zone))
        invitations = invitation_rows(organization, moments_within("sent_at", runs, zone))
        return (
            insert(AnswerRollup, ANSWER_FIELDS, answers),
            insert(InvitationRollup, INVITATION_FIELDS, invitations),
        )


def rebuild_organization(organization) -> tuple[int, int]:
    with transaction.atomic():
        lock_cursors(wait=True)
        for model in (AnswerRollup, InvitationRollup):
            model.objects.unscoped().filter(organization=organization).delete()
        return (
            insert(AnswerRollup, ANSWER_FIELDS, answer_rows(organization, Q())),
            insert(InvitationRollup, INVITATION_FIELDS, invitation_rows(organization, Q())),
        )


def rebuild_rollups(organization=None) -> RebuildResult:
    """Every rollup row of ``organization`` (or of every organization) from the raw data.

    It waits for a refresh pass to end (they share the cursors' lock). Rebuilding every
    organization also moves the cursors to its start: the refresh goes on from there."""
    result = RebuildResult()
    started = timezone.now()
    with transaction.atomic():
        cursors = lock_cursors(wait=True)
        organizations = [organization] if organization else Organization.objects.order_by("pk")
        for each in organizations:
            answers, invitations = rebuild_organization(each)
            result.organizations.append(each.slug)
            result.answer_rows += answers
            result.invitation_rows += invitations
        if organization is None:
            move_cursors(cursors, started)
    analyze_rollups()
    return result


def analyze_rollups() -> None:
    """A rebuild replaces the tables' rows: with fresh statistics PostgreSQL aggregates them in
    memory instead of sorting them on disk (autovacuum would get there, later)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE surveys_answerrollup, surveys_invitationrollup")


# --- The refresh pass --------------------------------------------------------------------------


def lock_cursors(*, wait: bool) -> list[RollupCursor] | None:
    """The cursors, locked until the end of the transaction; None if another pass holds them."""
    for source in SOURCES:
        RollupCursor.objects.get_or_create(source=source)
    cursors = list(
        RollupCursor.objects.select_for_update(skip_locked=not wait)
        .filter(source__in=SOURCES)
        .order_by("source")
    )
    return cursors if len(cursors) == len(SOURCES) else None


def move_cursors(cursors, position) -> None:
    for cursor in cursors:
        cursor.position = position
        cursor.save(update_fields=["position"])


def changed_days(model, moment: str, day_of: str, since) -> dict[int, set[date]]:
    """organization id -> the local days (of ``day_of``) of the rows whose ``moment`` is at or
    after ``since``."""
    changed = model.objects.unscoped().filter(**{f"{moment}__gte": since})
    organization_ids = changed.order_by().values_list("organization_id", flat=True).distinct()
    found = {}
    for organization in Organization.objects.filter(pk__in=list(organization_ids)):
        days = (
            changed.filter(organization=organization, **{f"{day_of}__isnull": False})
            .annotate(local_day=TruncDate(day_of, tzinfo=organization.zone))
            .order_by()
            .values_list("local_day", flat=True)
            .distinct()
        )
        found[organization.pk] = set(days)
    return found


def refresh_rollups(now=None) -> RefreshResult:
    """Recompute the days whose answers or invitations changed since the last pass."""
    now = now or timezone.now()
    with transaction.atomic():
        cursors = lock_cursors(wait=False)
        if cursors is None:
            return RefreshResult(skipped=True)
        if any(cursor.position is None for cursor in cursors):
            rebuilt = rebuild_rollups()  # locks the cursors again: same transaction, no wait
            result = RefreshResult(rebuilt=True, days={slug: [] for slug in rebuilt.organizations})
        else:
            result = refresh_changed(min(cursor.position for cursor in cursors) - SAFETY_MARGIN)
        move_cursors(cursors, now)
    return result


def refresh_changed(since) -> RefreshResult:
    days = changed_days(Answer, "updated_at", "created_at", since)
    for organization_id, sent_days in changed_days(
        Invitation, "state_changed_at", "sent_at", since
    ).items():
        days.setdefault(organization_id, set()).update(sent_days)
    result = RefreshResult()
    changed = [pk for pk, found in days.items() if found]
    for organization in Organization.objects.filter(pk__in=changed).order_by("pk"):
        recompute_days(organization, days[organization.pk])
        result.days[organization.slug] = sorted(days[organization.pk])
    return result
