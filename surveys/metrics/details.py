"""The journey map's levels, a touchpoint's score distribution and its latest verbatims."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import OuterRef, Subquery, Sum

from vocapp.tenancy.scope import organization_scope

from .. import statistics
from ..gdpr import ERASED
from ..models import DEFAULT_SCALES, Answer, AnswerRollup, QuestionKind
from ..statistics import METRICS, MetricValue
from .groups import channel_label
from .inputs import Filters, Period, check_channel, check_metric
from .sources import context_for, narrowed, score_counts, tables

# Ties between a touchpoint's metrics (as many answers): NPS, then CSAT, then CES.
PREFERENCE = {metric: rank for rank, metric in enumerate(METRICS)}


@dataclass(frozen=True)
class TouchpointLevel:
    touchpoint: int  # its id
    metric: str  # its main metric: the one with most answers in the period
    value: MetricValue
    level: float | None  # 0–100
    band: str | None  # disappointing | neutral | enchantment
    n: int


def touchpoint_levels(organization, period: Period, journey=None) -> dict[int, TouchpointLevel]:
    """Each touchpoint with answers in the period (of ``journey``, an id or a Journey, if given):
    its main metric's value, level and band; in one rollup query for every touchpoint."""
    journey_id = getattr(journey, "pk", journey)
    with organization_scope(organization):
        rows = AnswerRollup.objects.filter(
            day__gte=period.since, day__lte=period.until, touchpoint__isnull=False
        )
        if journey_id is not None:
            rows = rows.filter(touchpoint__stage__journey=journey_id)
        rows = (
            rows.values("touchpoint", "metric", "scale_min", "scale_max", "score")
            .annotate(n=Sum("count"))
            .order_by()
        )
        counts = defaultdict(lambda: defaultdict(dict))
        for row in rows:
            scale = (row["scale_min"], row["scale_max"], row["score"])
            counts[row["touchpoint"]][row["metric"]][scale] = row["n"]
    return {
        touchpoint: level_of(organization, touchpoint, by_metric)
        for touchpoint, by_metric in counts.items()
    }


def level_of(organization, touchpoint: int, by_metric: dict) -> TouchpointLevel:
    metric = min(by_metric, key=lambda m: (-sum(by_metric[m].values()), PREFERENCE[m]))
    value = statistics.measure(metric, by_metric[metric], organization.minimum_n)
    band = statistics.level_band(
        value.level, organization.level_neutral_from, organization.level_enchantment_from
    )
    return TouchpointLevel(touchpoint, metric, value, value.level, band, value.n)


def score_distribution(organization, metric, filters: Filters, *, source="auto") -> dict[int, int]:
    """score -> number of answers, every score of the metric's default scale listed (0 when
    none), as given (a question on another scale adds its own scores)."""
    check_metric(metric)
    check_channel(filters.channel)
    answers, _invitations = tables(filters.live or source == "raw")
    with organization_scope(organization):
        context = context_for(organization, filters)
        counts = score_counts(answers, context, metric, filters.period).get(None, {})
    low, high = DEFAULT_SCALES[metric]
    distribution = dict.fromkeys(range(low, high + 1), 0)
    for (_low, _high, score), count in counts.items():
        distribution[score] = distribution.get(score, 0) + count
    return dict(sorted(distribution.items()))


@dataclass(frozen=True)
class Verbatim:
    id: int  # the answer's
    text: str
    created_at: datetime
    touchpoint: int | None
    touchpoint_name: str | None
    channel: str
    locale: str
    score: int | None  # the response's first scored answer, if any
    metric: str | None  # that answer's metric

    @property
    def channel_label(self) -> str:
        return channel_label(self.channel)


def latest_verbatims(organization, filters: Filters, limit: int = 20) -> list[Verbatim]:
    """The newest text answers within the filters (erased ones left out), in one query."""
    check_channel(filters.channel)
    answers, _invitations = tables(True)
    with organization_scope(organization):
        context = context_for(organization, filters)
        first_score = (
            Answer.objects.filter(
                response=OuterRef("response"), question__kind__in=METRICS, score__isnull=False
            )
            .order_by("question__position", "pk")
            .values("score", "question__kind")
        )
        rows = (
            narrowed(answers, context, filters.period)
            .filter(question__kind=QuestionKind.TEXT)
            .exclude(text="")
            .exclude(text=ERASED)
            .annotate(
                first_score=Subquery(first_score.values("score")[:1]),
                first_metric=Subquery(first_score.values("question__kind")[:1]),
            )
            .select_related("response__touchpoint")
            .order_by("-created_at", "-pk")[: max(0, limit)]
        )
        return [verbatim(answer) for answer in rows]


def verbatim(answer) -> Verbatim:
    response = answer.response
    touchpoint = response.touchpoint
    return Verbatim(
        id=answer.pk,
        text=answer.text,
        created_at=answer.created_at,
        touchpoint=response.touchpoint_id,
        touchpoint_name=touchpoint.name if touchpoint else None,
        channel=response.channel,
        locale=response.locale,
        score=answer.first_score,
        metric=answer.first_metric,
    )
