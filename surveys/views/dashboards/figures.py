"""The charts of a period: a trend by day, week or month, the score distribution and the response
rate per channel. Built from ``charts``' parts; the journey's own charts are in
``journey_figures``."""

from django.utils.translation import gettext as _

from .charts import (
    BRAND,
    DANGER,
    INK,
    METRIC_COLORS,
    MUTED,
    Chart,
    Table,
    axis,
    base_layout,
    error_bars,
    value_hover,
)
from .presenting import (
    METRIC_NAMES,
    METRIC_RANGES,
    format_value,
    number,
    percent,
)


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
