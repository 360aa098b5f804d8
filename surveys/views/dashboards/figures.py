"""Chart builders: data in, a plotly figure (a plain dict) and its "show data" table out.

Pure functions with keyword-only arguments; they build the JSON plotly.js reads (no import of
the plotly Python package, which web workers need not load). ``static/js/charts.js`` draws each
figure from the page's ``json_script`` data. Every chart carries its table, rendered by the
server beside it, so that no number lives in the picture alone.
"""

from dataclasses import dataclass, field

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from .presenting import (
    BANDS,
    METRIC_NAMES,
    METRIC_RANGES,
    MOMENT_OF_TRUTH_ICON,
    format_value,
    number,
    percent,
)

INK = "#1b1f24"
MUTED = "#57606a"
GRID = "#d0d7de"
BRAND = "#1f6feb"
DANGER = "#b42318"
METRIC_COLORS = {"nps": "#1f6feb", "csat": "#8250df", "ces": "#0f766e"}


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[str]]
    # Columns holding numbers (aligned right).
    numeric: set[int] = field(default_factory=set)


@dataclass
class Chart:
    key: str  # the element ids derive from it: chart-<key>, chart-<key>-data
    title: str
    summary: str  # one sentence: what the chart says, for everyone and for screen readers
    figure: dict | None  # None: nothing to draw (the summary says why)
    table: Table | None = None
    height: int = 320

    @property
    def element_id(self) -> str:
        return f"chart-{self.key}"

    @property
    def data_id(self) -> str:
        return f"chart-{self.key}-data"


def base_layout(**extra) -> dict:
    """What every chart shares: the page's font, no title inside (the page has it), the
    separators of the user's language."""
    decimal = get_format("DECIMAL_SEPARATOR")
    thousands = get_format("THOUSAND_SEPARATOR") or " "
    layout = {
        "font": {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 13},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "#ffffff",
        "margin": {"l": 56, "r": 16, "t": 16, "b": 56},
        "showlegend": False,
        "separators": f"{decimal}{thousands}",
        "hoverlabel": {"font": {"size": 13}},
        "autosize": True,
    }
    layout.update(extra)
    return layout


def axis(**extra) -> dict:
    return {
        "gridcolor": GRID,
        "zerolinecolor": GRID,
        "linecolor": GRID,
        "tickfont": {"color": INK},
        "automargin": True,
        "fixedrange": True,
        **extra,
    }


def error_bars(values, intervals) -> dict | None:
    plus, minus, any_interval = [], [], False
    for value, interval in zip(values, intervals, strict=True):
        if value is None or not interval:
            plus.append(None)
            minus.append(None)
            continue
        any_interval = True
        plus.append(round(max(0.0, interval[1] - value), 2))
        minus.append(round(max(0.0, value - interval[0]), 2))
    if not any_interval:
        return None
    return {
        "type": "data",
        "symmetric": False,
        "array": plus,
        "arrayminus": minus,
        "color": MUTED,
        "thickness": 1,
        "width": 3,
    }


def value_hover(metric, label, value) -> str:
    if value is None or not value.n:
        return _("%(label)s: no answers") % {"label": label}
    text = _("%(label)s: %(metric)s %(value)s (n = %(n)s)") % {
        "label": label,
        "metric": METRIC_NAMES[metric],
        "value": format_value(metric, value.value),
        "n": number(value.n),
    }
    if value.low_n:
        text += " · " + _("few answers")
    return text


def trend_chart(*, series: dict, labels: list[str], grouping: str) -> Chart:
    """One panel per metric that has answers, stacked on a shared time axis.

    ``series``: metric -> list of MetricValue, one per label (None or n = 0: a gap).
    Points measured on few answers are drawn hollow and say "few answers".
    """
    title = _("Trend by day") if grouping == "day" else _("Trend by week")
    shown = [m for m, values in series.items() if any(v is not None and v.n for v in values)]
    columns = [_("Day") if grouping == "day" else _("Week of")]
    for metric in series:
        columns += [
            str(METRIC_NAMES[metric]),
            _("%(metric)s answers") % {"metric": METRIC_NAMES[metric]},
        ]
    rows = []
    for index, label in enumerate(labels):
        row = [label]
        for metric, values in series.items():
            value = values[index]
            if value is None or not value.n:
                row += ["—", "0"]
            else:
                text = format_value(metric, value.value)
                if value.low_n:
                    text = _("%(value)s (few answers)") % {"value": text}
                row += [text, number(value.n)]
        rows.append(row)
    table = Table(
        caption=title,
        columns=columns,
        rows=rows,
        numeric=set(range(1, len(columns))),
    )
    if not shown:
        return Chart("trend", title, _("No answers yet in this period."), None, table)

    gap = 0.08
    height_each = (1 - gap * (len(shown) - 1)) / len(shown)
    traces, layout_axes = [], {}
    for position, metric in enumerate(shown):
        values = series[metric]
        y = [v.value if v is not None and v.n else None for v in values]
        intervals = [v.ci95 if v is not None and v.n else None for v in values]
        axis_name = "y" if position == 0 else f"y{position + 1}"
        layout_name = "yaxis" if position == 0 else f"yaxis{position + 1}"
        top = 1 - position * (height_each + gap)
        low, high = METRIC_RANGES[metric]
        layout_axes[layout_name] = axis(
            domain=[max(0.0, top - height_each), top],
            range=[low - (high - low) * 0.05, high + (high - low) * 0.05],
            title={"text": str(METRIC_NAMES[metric]), "font": {"color": INK}},
            zeroline=metric == "nps",
        )
        trace = {
            "type": "scatter",
            "mode": "lines+markers",
            "name": str(METRIC_NAMES[metric]),
            "x": labels,
            "y": y,
            "yaxis": axis_name,
            "connectgaps": False,
            "line": {"color": METRIC_COLORS[metric], "width": 2},
            "marker": {
                "size": 8,
                "color": METRIC_COLORS[metric],
                "symbol": [
                    "circle-open" if v is not None and v.low_n else "circle" for v in values
                ],
                "line": {"width": 2, "color": METRIC_COLORS[metric]},
            },
            "hovertext": [
                value_hover(metric, label, v) for label, v in zip(labels, values, strict=True)
            ],
            "hoverinfo": "text",
        }
        bars = error_bars(y, intervals)
        if bars:
            trace["error_y"] = bars
        traces.append(trace)
    layout = base_layout(
        xaxis=axis(type="category", anchor="y" if len(shown) == 1 else f"y{len(shown)}"),
        **layout_axes,
    )
    summary = _(
        "%(metrics)s per %(grouping)s over the period, with their 95%% intervals; hollow points "
        "rest on few answers."
    ) % {
        "metrics": ", ".join(str(METRIC_NAMES[m]) for m in shown),
        "grouping": _("day") if grouping == "day" else _("week"),
    }
    return Chart(
        "trend",
        title,
        summary,
        {"data": traces, "layout": layout},
        table,
        height=150 + 130 * len(shown),
    )


def emotion_curve(*, stages: list[dict], neutral_from: int, enchantment_from: int) -> Chart:
    """Each stage's level (0–100) across the journey, over the three bands, each named.

    ``stages``: [{"name", "level" (None: no answers), "band", "n"}] in the journey's order.
    """
    title = _("Emotion curve")
    rows = [
        [
            stage["name"],
            number(stage["level"]) if stage["level"] is not None else "—",
            (f"{BANDS[stage['band']]['icon']} {BANDS[stage['band']]['label']}")
            if stage["band"]
            else _("no answers yet"),
            number(stage["n"]),
        ]
        for stage in stages
    ]
    table = Table(
        caption=_("Level of each stage"),
        columns=[_("Stage"), _("Level (0–100)"), _("Band"), _("Answers")],
        rows=rows,
        numeric={1, 3},
    )
    measured = [stage for stage in stages if stage["level"] is not None]
    if not measured:
        return Chart("emotion", title, _("No answers yet in this period."), None, table)
    names = [stage["name"] for stage in stages]
    bands = [
        ("disappointing", 0, neutral_from),
        ("neutral", neutral_from, enchantment_from),
        ("enchantment", enchantment_from, 100),
    ]
    shapes = [
        {
            "type": "rect",
            "xref": "paper",
            "yref": "y",
            "x0": 0,
            "x1": 1,
            "y0": low,
            "y1": high,
            "fillcolor": BANDS[band]["fill"],
            "line": {"width": 0},
            "layer": "below",
        }
        for band, low, high in bands
    ]
    annotations = [
        {
            "xref": "paper",
            "yref": "y",
            "x": 1,
            "y": (low + high) / 2,
            "xanchor": "right",
            "showarrow": False,
            "text": f"{BANDS[band]['icon']} {BANDS[band]['label']}",
            "font": {"color": BANDS[band]["color"], "size": 12},
        }
        for band, low, high in bands
    ]
    trace = {
        "type": "scatter",
        "mode": "lines+markers+text",
        "x": names,
        "y": [stage["level"] for stage in stages],
        "connectgaps": True,
        "line": {"color": INK, "width": 3, "shape": "spline", "smoothing": 0.6},
        "marker": {
            "size": 14,
            "symbol": [BANDS[s["band"]]["symbol"] if s["band"] else "circle-open" for s in stages],
            "color": [BANDS[s["band"]]["color"] if s["band"] else MUTED for s in stages],
            "line": {"width": 1, "color": "#ffffff"},
        },
        "text": [number(stage["level"]) if stage["level"] is not None else "" for stage in stages],
        "textposition": "top center",
        "textfont": {"color": INK, "size": 13},
        "hovertext": [
            f"{stage['name']}: "
            + (
                _("level %(level)s, %(band)s (n = %(n)s)")
                % {
                    "level": number(stage["level"]),
                    "band": BANDS[stage["band"]]["label"],
                    "n": number(stage["n"]),
                }
                if stage["level"] is not None
                else _("no answers yet")
            )
            for stage in stages
        ],
        "hoverinfo": "text",
        "cliponaxis": False,
    }
    layout = base_layout(
        xaxis=axis(type="category", showgrid=False),
        yaxis=axis(range=[0, 105], title={"text": _("Level (0–100)")}, dtick=20),
        shapes=shapes,
        annotations=annotations,
    )
    lowest = min(measured, key=lambda stage: stage["level"])
    summary = _(
        "Each stage's level from 0 to 100 over the bands disappointing (below %(neutral)s), "
        "neutral and enchantment (%(enchantment)s and above); the lowest is “%(stage)s” at "
        "%(level)s."
    ) % {
        "neutral": neutral_from,
        "enchantment": enchantment_from,
        "stage": lowest["name"],
        "level": number(lowest["level"]),
    }
    return Chart("emotion", title, summary, {"data": [trace], "layout": layout}, table)


def short(name: str, length=26) -> str:
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def priority_matrix(*, items: list[dict]) -> Chart:
    """Importance (1–5) against the gap to target, the touchpoints to act on first starred.

    ``items``: [{"name", "stage", "importance", "level", "target", "gap", "score",
    "act_first", "rank"}] for the touchpoints with answers; the others cannot be placed.
    """
    title = _("Priority matrix")
    rows = [
        [
            item["name"],
            f"{item['importance']}/5",
            number(item["level"]),
            number(item["target"]),
            number(item["gap"]),
            number(item["score"]),
            (f"{MOMENT_OF_TRUTH_ICON} " + _("act first")) if item["act_first"] else "",
        ]
        for item in items
    ]
    table = Table(
        caption=_("Priority of each touchpoint (importance × gap)"),
        columns=[
            _("Touchpoint"),
            _("Importance"),
            _("Level"),
            _("Target"),
            _("Gap"),
            _("Priority"),
            _("Act first"),
        ],
        rows=rows,
        numeric={1, 2, 3, 4, 5},
    )
    if not items:
        return Chart("priorities", title, _("No answers yet in this period."), None, table)
    first = [item for item in items if item["act_first"]]
    others = [item for item in items if not item["act_first"]]

    def trace(group, name, symbol, color, size):
        return {
            "type": "scatter",
            "mode": "markers+text",
            "name": name,
            "x": [item["importance"] for item in group],
            "y": [item["gap"] for item in group],
            "text": [short(item["name"]) for item in group],
            "textposition": "top center",
            "textfont": {"color": INK, "size": 12},
            "marker": {
                "symbol": symbol,
                "size": size,
                "color": color,
                "line": {"width": 1, "color": "#fff"},
            },
            "hovertext": [
                _(
                    "%(name)s: importance %(importance)s/5, level %(level)s, "
                    "target %(target)s, gap %(gap)s"
                )
                % {
                    "name": item["name"],
                    "importance": item["importance"],
                    "level": number(item["level"]),
                    "target": number(item["target"]),
                    "gap": number(item["gap"]),
                }
                for item in group
            ],
            "hoverinfo": "text",
            "cliponaxis": False,
            "meta": "optional-labels",  # charts.js drops the names on a narrow screen
        }

    traces = [trace(others, _("Other touchpoints"), "circle", BRAND, 11)]
    if first:
        traces.append(trace(first, _("Act first"), "star", DANGER, 18))
    top_gap = max([item["gap"] for item in items] + [10])
    layout = base_layout(
        showlegend=bool(first),
        legend={"orientation": "h", "y": -0.25, "x": 0},
        xaxis=axis(
            range=[0.5, 5.5],
            dtick=1,
            title={"text": _("Importance (1–5)")},
        ),
        yaxis=axis(
            range=[-3, top_gap * 1.2 + 3],
            title={"text": _("Gap to target (points)")},
        ),
        margin={"l": 56, "r": 16, "t": 24, "b": 72},
    )
    if first:
        names = " " + _("and") + " "
        summary = _(
            "Touchpoints placed by importance and by how far their level is below target; "
            "starred, the ones to act on first: %(names)s."
        ) % {"names": names.join(quoted(item["name"]) for item in first)}
    else:
        summary = _(
            "Touchpoints placed by importance and by how far their level is below target; "
            "none is below its target."
        )
    return Chart(
        "priorities", title, summary, {"data": traces, "layout": layout}, table, height=380
    )


def distribution_chart(*, metric: str, counts: dict, buckets: list[tuple]) -> Chart:
    """How many answers gave each score, the bars grouped by bucket (named, patterned).

    ``buckets``: [(key, label, scores)] in scale order, e.g. ("detractors", "Detractors (0–6)",
    range(0, 7)).
    """
    title = _("Distribution of the %(metric)s scores") % {"metric": METRIC_NAMES[metric]}
    total = sum(counts.values())
    patterns = ["/", "", "."]
    colors = ["#b42318", "#8c959f", "#1a7f37"]
    traces, rows = [], []
    for index, (_key, label, scores) in enumerate(buckets):
        scores = list(scores)
        traces.append(
            {
                "type": "bar",
                "name": str(label),
                "x": [str(score) for score in scores],
                "y": [counts.get(score, 0) for score in scores],
                "marker": {
                    "color": colors[index % 3],
                    # A pattern tells the groups apart without their colour.
                    "pattern": {
                        "shape": patterns[index % 3],
                        "fillmode": "overlay",
                        "fgcolor": "#ffffff",
                        "solidity": 0.3,
                    },
                },
                "hovertext": [
                    _("score %(score)s: %(count)s answers (%(bucket)s)")
                    % {"score": score, "count": number(counts.get(score, 0)), "bucket": label}
                    for score in scores
                ],
                "hoverinfo": "text",
            }
        )
        for score in scores:
            count = counts.get(score, 0)
            rows.append(
                [
                    str(score),
                    str(label),
                    number(count),
                    percent(100 * count / total) if total else "—",
                ]
            )
    table = Table(
        caption=title,
        columns=[_("Score"), _("Group"), _("Answers"), _("Share")],
        rows=rows,
        numeric={0, 2, 3},
    )
    if not total:
        return Chart("distribution", title, _("No answers yet in this period."), None, table)
    layout = base_layout(
        showlegend=True,
        legend={"orientation": "h", "y": -0.32, "x": 0},
        barmode="relative",
        bargap=0.15,
        xaxis=axis(type="category", title={"text": _("Score")}),
        yaxis=axis(
            title={"text": _("Answers")},
            rangemode="tozero",
            dtick=1 if max(counts.values()) <= 8 else None,
        ),
        margin={"l": 56, "r": 16, "t": 16, "b": 96},
    )
    summary = _("%(total)s answers, by score.") % {"total": number(total)}
    return Chart("distribution", title, summary, {"data": traces, "layout": layout}, table)


def channel_rates_chart(*, channels: list[dict]) -> Chart:
    """Response rate per channel: answered / invitations sent, with both counts.

    ``channels``: [{"label", "rate" (None: nothing sent), "answered", "base", "warning"}].
    """
    title = _("Response rate per channel")
    rows = []
    for channel in channels:
        rate = percent(channel["rate"]) if channel["rate"] is not None else _("no invitation sent")
        if channel["warning"]:
            rate = _("%(rate)s ⚠ below 10%%: may be biased") % {"rate": rate}
        rows.append(
            [
                channel["label"],
                rate,
                number(channel["answered"]) if channel["answered"] is not None else "—",
                number(channel["base"]) if channel["base"] is not None else "—",
            ]
        )
    table = Table(
        caption=title,
        columns=[_("Channel"), _("Response rate"), _("Answered"), _("Invitations")],
        rows=rows,
        numeric={1, 2, 3},
    )
    measured = [channel for channel in channels if channel["rate"] is not None]
    if not measured:
        return Chart(
            "channels", title, _("No invitation sent in this period."), None, table, height=200
        )
    trace = {
        "type": "bar",
        "orientation": "h",
        "y": [channel["label"] for channel in measured],
        "x": [channel["rate"] for channel in measured],
        "text": [
            percent(channel["rate"]) + (" ⚠" if channel["warning"] else "") for channel in measured
        ],
        "textposition": "outside",
        "cliponaxis": False,
        "marker": {"color": [DANGER if c["warning"] else BRAND for c in measured]},
        "hoverinfo": "text",
        "hovertext": [
            _("%(channel)s: %(rate)s (%(answered)s of %(base)s)")
            % {
                "channel": channel["label"],
                "rate": percent(channel["rate"]),
                "answered": number(channel["answered"]) if channel["answered"] is not None else "?",
                "base": number(channel["base"]) if channel["base"] is not None else "?",
            }
            for channel in measured
        ],
    }
    top = max([channel["rate"] for channel in measured] + [10])
    layout = base_layout(
        xaxis=axis(range=[0, min(100, top * 1.25 + 5)], title={"text": _("Response rate (%)")}),
        yaxis=axis(type="category", autorange="reversed"),
        shapes=[
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 10,
                "x1": 10,
                "y0": 0,
                "y1": 1,
                "line": {"color": MUTED, "dash": "dot", "width": 1},
            }
        ],
    )
    summary = _(
        "Answered invitations per channel; below %(threshold)s (dotted line) a score may be biased."
    ) % {"threshold": percent(10)}
    return Chart(
        "channels",
        title,
        summary,
        {"data": [trace], "layout": layout},
        table,
        height=120 + 48 * len(measured),
    )


def quoted(name: str) -> str:
    """A name between the language's quotation marks (“…” in English, « … » in French)."""
    return _("“%(name)s”") % {"name": name}
