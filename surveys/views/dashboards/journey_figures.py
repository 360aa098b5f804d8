"""The journey's charts: the emotion curve across its stages and the priority matrix."""

from django.utils.translation import gettext as _

from .charts import BRAND, DANGER, INK, MUTED, Chart, Table, axis, base_layout, quoted, short
from .presenting import (
    BANDS,
    MOMENT_OF_TRUTH_ICON,
    number,
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
