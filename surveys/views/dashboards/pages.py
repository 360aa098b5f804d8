"""The dashboards: the overview, a journey's map with its scores, a touchpoint's scores.

Every number comes from ``surveys.metrics`` (rollups, so a page costs a fixed number of small
queries whatever the number of answers or touchpoints); every definition from
``surveys.statistics``. Charts are plotly figures drawn by ``static/js/charts.js`` from the
page's ``json_script`` data, each with its "show data" table.
"""

from dataclasses import replace
from datetime import timedelta

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from journeys.models import Journey, Stage, Touchpoint
from surveys.metrics import latest_verbatims, measure, score_distribution, touchpoint_levels
from surveys.models import ResponseChannel
from surveys.statistics import PriorityInput, level_band, priorities
from vocapp import registry

from ..base import SurveysPage
from .figures import channel_rates_chart, distribution_chart, trend_chart
from .filtering import DashboardFilterForm
from .journey_figures import emotion_curve, priority_matrix
from .presenting import (
    METRIC_NAMES,
    METRICS,
    band_of,
    describe_level,
    format_value,
    headline,
    number,
    response_rate_view,
)

WEAKEST_COUNT = 5
VERBATIM_COUNT = 20


def score_buckets(metric) -> list[tuple]:
    """The distribution's groups of scores on the metric's default scale, named."""
    if metric == "nps":
        return [
            ("detractors", _("Detractors (0–6)"), range(0, 7)),
            ("passives", _("Passives (7–8)"), range(7, 9)),
            ("promoters", _("Promoters (9–10)"), range(9, 11)),
        ]
    if metric == "csat":
        return [
            ("dissatisfied", _("Dissatisfied (1–2)"), range(1, 3)),
            ("neutral", _("Neutral (3)"), range(3, 4)),
            ("satisfied", _("Satisfied (4–5)"), range(4, 6)),
        ]
    return [
        ("hard", _("Hard (1–3)"), range(1, 4)),
        ("neutral", _("Neutral (4)"), range(4, 5)),
        ("easy", _("Easy (5–7)"), range(5, 8)),
    ]


class DashboardPage(SurveysPage):
    section = "dashboard"

    def render_dashboard(self, template, context, selection):
        return self.render_page(
            template,
            {
                "selection": selection,
                "period_text": selection.describe(),
                "previous_text": selection.describe_previous(),
                "minimum_n": self.organization.minimum_n,
                **context,
            },
        )


# --- Time axis --------------------------------------------------------------------------------


def period_buckets(period, grouping) -> list[tuple[str, str]]:
    """(group key, label) for every day or ISO week of the period, in order; keys as the
    metrics layer writes them ("2026-03-02", "2026-W10")."""
    with_year = period.since.year != period.until.year
    fmt = "j M Y" if with_year else "j M"
    buckets = []
    if grouping == "day":
        day = period.since
        while day <= period.until:
            buckets.append((day.isoformat(), date_format(day, fmt)))
            day += timedelta(days=1)
        return buckets
    monday = period.since - timedelta(days=period.since.weekday())
    while monday <= period.until:
        year, week, _weekday = monday.isocalendar()
        buckets.append((f"{year}-W{week:02d}", date_format(monday, fmt)))
        monday += timedelta(days=7)
    return buckets


def trend_from(measurements, selection):
    buckets = period_buckets(selection.period, selection.trend_grouping)
    series = {}
    for metric, measurement in measurements.items():
        by_key = {group.key: group.value for group in measurement.groups}
        series[metric] = [by_key.get(key) for key, _label in buckets]
    return trend_chart(
        series=series, labels=[label for _key, label in buckets], grouping=selection.trend_grouping
    )


# --- Levels of touchpoints ------------------------------------------------------------------


def level_view(organization, level) -> dict:
    """A touchpoint's level as the pages show it (text, icon, number, n, few answers)."""
    if level is None or not level.n or level.level is None:
        return {"measured": False, "text": _("no answers yet"), "n": 0}
    band = level.band or level_band(
        level.level, organization.level_neutral_from, organization.level_enchantment_from
    )
    value = level.value
    return {
        "measured": True,
        "level": level.level,
        "level_text": number(level.level),
        "band": band_of(band),
        "text": describe_level(level.level, band),
        "n": level.n,
        "n_text": number(level.n),
        "low_n": bool(getattr(value, "low_n", False)),
        "metric": level.metric,
        "metric_name": METRIC_NAMES[level.metric],
        "value_text": format_value(level.metric, getattr(value, "value", None)),
    }


def weakest_touchpoints(organization, levels, selection, limit=WEAKEST_COUNT) -> list[dict]:
    measured = {pk: level for pk, level in levels.items() if level.n and level.level is not None}
    if not measured:
        return []
    touchpoints = Touchpoint.objects.filter(
        pk__in=list(measured), archived_at__isnull=True
    ).select_related("stage__journey")
    ranked = sorted(touchpoints, key=lambda tp: (measured[tp.pk].level, tp.name))[:limit]
    return [{"touchpoint": tp, "level": level_view(organization, measured[tp.pk])} for tp in ranked]


# --- Registry panels ------------------------------------------------------------------------


def dashboard_panels(request, organization, membership, filters) -> list[dict]:
    """The panels other apps register (``vocapp.registry.dashboard_panels``), rendered."""
    panels = []
    for panel in registry.dashboard_panels:
        if not membership.can(panel.capability):
            continue
        context = panel.context(organization, request, filters=filters)
        if context is None:
            continue
        html = render_to_string(
            panel.template,
            {"organization": organization, "membership": membership, "filters": filters, **context},
            request=request,
        )
        panels.append({"key": panel.key, "title": panel.title, "html": html})
    return panels


# --- Pages ----------------------------------------------------------------------------------


def active_journeys():
    return Journey.objects.filter(archived_at__isnull=True).order_by("name", "pk")


class OverviewView(DashboardPage):
    """Headline NPS, CSAT and CES with trend, n and interval; the response rate; the weakest
    touchpoints; the journeys' score maps; the registered panels."""

    def get(self, request, org_slug):
        organization = self.organization
        journeys = list(active_journeys())
        form = DashboardFilterForm(request.GET, organization=organization, journeys=journeys)
        selection = form.selection()
        filters = selection.filters
        measurements = {
            metric: measure(organization, metric, filters, group_by=selection.trend_grouping)
            for metric in METRICS
        }
        levels = touchpoint_levels(organization, selection.period, journey=filters.journey)
        return self.render_dashboard(
            "surveys/dashboard/overview.html",
            {
                "form": form,
                "journeys": journeys,
                "headlines": [
                    headline(metric, measurements[metric], organization.minimum_n)
                    for metric in METRICS
                ],
                "response_rate": response_rate_view(measurements[METRICS[0]].response_rate),
                "trend": trend_from(measurements, selection),
                "weakest": weakest_touchpoints(organization, levels, selection),
                "channel_filtered": bool(filters.channel),
                "panels": dashboard_panels(request, organization, self.membership, filters),
            },
            selection,
        )


def stage_level(organization, cards) -> dict:
    """A stage's level: its touchpoints' levels averaged, weighted by their answers."""
    measured = [card["level"] for card in cards if card["level"]["measured"]]
    n = sum(level["n"] for level in measured)
    if not n:
        return {"level": None, "band": None, "n": 0}
    value = sum(level["level"] * level["n"] for level in measured) / n
    band = level_band(value, organization.level_neutral_from, organization.level_enchantment_from)
    return {"level": value, "band": band, "n": n}


def act_first_sentence(first: list[dict]) -> str:
    if not first:
        return ""
    parts = [
        _("“%(name)s” (importance %(importance)s/5, level %(level)s for a target of %(target)s)")
        % {
            "name": item["name"],
            "importance": item["importance"],
            "level": number(item["level"]),
            "target": number(item["target"]),
        }
        for item in first
    ]
    if len(parts) == 1:
        return _("Act first on %(first)s.") % {"first": parts[0]}
    return _("Act first on %(first)s, then on %(second)s.") % {
        "first": parts[0],
        "second": parts[1],
    }


class JourneyScoresView(DashboardPage):
    """The journey map with each touchpoint's level, target and gap, the emotion curve across
    the stages and the priority matrix that names the two touchpoints to act on first."""

    def get(self, request, org_slug, pk):
        organization = self.organization
        journey = get_object_or_404(active_journeys().select_related("persona"), pk=pk)
        form = DashboardFilterForm(request.GET, organization=organization, fields=())
        selection = form.selection()
        stages = list(
            Stage.objects.filter(journey=journey, archived_at__isnull=True).order_by(
                "position", "id"
            )
        )
        touchpoints = list(
            Touchpoint.objects.filter(stage__in=stages, archived_at__isnull=True).order_by(
                "position", "id"
            )
        )
        levels = touchpoint_levels(organization, selection.period, journey=journey.pk)
        cards_by_stage = {stage.pk: [] for stage in stages}
        cards = {}
        for touchpoint in touchpoints:
            level = level_view(organization, levels.get(touchpoint.pk))
            gap = max(0.0, touchpoint.target_score - level["level"]) if level["measured"] else None
            card = {
                "touchpoint": touchpoint,
                "level": level,
                "target": touchpoint.target_score,
                "gap": gap,
                "gap_text": number(gap) if gap is not None else "",
            }
            cards[touchpoint.pk] = card
            cards_by_stage[touchpoint.stage_id].append(card)

        ranked = priorities(
            [
                PriorityInput(
                    key=touchpoint.pk,
                    importance=touchpoint.importance,
                    level=cards[touchpoint.pk]["level"].get("level"),
                    target=touchpoint.target_score,
                )
                for touchpoint in touchpoints
            ]
        )
        items, rank = [], 0
        for priority in ranked:
            card = cards[priority.key]
            card["act_first"] = priority.act_first
            if priority.act_first:
                rank += 1
                card["rank"] = rank
            if priority.level is None:
                continue
            items.append(
                {
                    "name": card["touchpoint"].name,
                    "stage": card["touchpoint"].stage_id,
                    "importance": priority.importance,
                    "level": priority.level,
                    "target": priority.target,
                    "gap": priority.gap,
                    "score": priority.score,
                    "act_first": priority.act_first,
                }
            )
        first = [item for item in items if item["act_first"]]

        columns, curve = [], []
        for index, stage in enumerate(stages):
            stage_cards = cards_by_stage[stage.pk]
            summary = stage_level(organization, stage_cards)
            columns.append(
                {
                    "stage": stage,
                    "number": index + 1,
                    "cards": stage_cards,
                    "level": summary,
                    "band": band_of(summary["band"]),
                    "level_text": number(summary["level"]) if summary["level"] is not None else "",
                }
            )
            curve.append({"name": stage.name, **summary})
        unmeasured = [card for card in cards.values() if not card["level"]["measured"]]
        return self.render_dashboard(
            "surveys/dashboard/journey.html",
            {
                "form": form,
                "journey": journey,
                "columns": columns,
                "emotion": emotion_curve(
                    stages=curve,
                    neutral_from=organization.level_neutral_from,
                    enchantment_from=organization.level_enchantment_from,
                ),
                "matrix": priority_matrix(items=items),
                "act_first": act_first_sentence(first),
                "measured_count": len(items),
                "unmeasured": unmeasured,
                "touchpoint_count": len(touchpoints),
            },
            selection,
        )


def main_metric(measurements) -> str:
    """The metric with the most answers in the period (ties: NPS, then CSAT, then CES)."""
    return max(METRICS, key=lambda metric: (measurements[metric].overall.n, -METRICS.index(metric)))


def channel_rows(measurement) -> list[dict]:
    labels = dict(ResponseChannel.choices)
    rows = []
    for group in measurement.groups:
        rate = group.response_rate
        rows.append(
            {
                "label": str(labels.get(group.key, group.label)),
                "rate": getattr(rate, "rate", None),
                "answered": getattr(rate, "answered", None),
                "base": getattr(rate, "base", None),
                "warning": bool(getattr(rate, "warning", False)),
            }
        )
    return rows


class TouchpointScoresView(DashboardPage):
    """One touchpoint: its indicators with their trend, the distribution of its main metric's
    scores, its response rate per channel and its latest verbatims."""

    def get(self, request, org_slug, pk):
        organization = self.organization
        touchpoint = get_object_or_404(
            Touchpoint.objects.filter(archived_at__isnull=True).select_related("stage__journey"),
            pk=pk,
        )
        form = DashboardFilterForm(request.GET, organization=organization, fields=("channel",))
        selection = form.selection()
        filters = replace(selection.filters, touchpoint=touchpoint.pk)
        measurements = {
            metric: measure(organization, metric, filters, group_by=selection.trend_grouping)
            for metric in METRICS
        }
        main = main_metric(measurements)
        answered = [
            metric
            for metric in METRICS
            if measurements[metric].overall.n
            or (measurements[metric].previous is not None and measurements[metric].previous.n)
        ]
        by_channel = measure(organization, main, replace(filters, channel=None), group_by="channel")
        distribution = score_distribution(organization, main, filters)
        verbatims = latest_verbatims(organization, filters, limit=VERBATIM_COUNT)
        return self.render_dashboard(
            "surveys/dashboard/touchpoint.html",
            {
                "form": form,
                "touchpoint": touchpoint,
                "stage": touchpoint.stage,
                "journey": touchpoint.stage.journey,
                "headlines": [
                    headline(metric, measurements[metric], organization.minimum_n)
                    for metric in (answered or METRICS)
                ],
                "any_answer": bool(answered),
                "main_metric": METRIC_NAMES[main],
                "response_rate": response_rate_view(measurements[main].response_rate),
                "trend": trend_from(
                    {metric: measurements[metric] for metric in (answered or [main])}, selection
                ),
                "distribution": distribution_chart(
                    metric=main, counts=distribution, buckets=score_buckets(main)
                ),
                "channels": channel_rates_chart(channels=channel_rows(by_channel)),
                "verbatims": verbatims,
            },
            selection,
        )
