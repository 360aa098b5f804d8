"""What every dashboard chart is made of: a plotly figure (a plain dict) with its "show data"
table, the colours, the shared layout and axes, interval bars and hover texts.

Pure functions; they build the JSON plotly.js reads (no import of the plotly Python package,
which web workers need not load). ``static/js/charts.js`` draws each figure from the page's
``json_script`` data. Every chart carries its table, rendered by the server beside it, so that
no number lives in the picture alone.
"""

from dataclasses import dataclass, field

from django.utils.formats import get_format
from django.utils.translation import gettext as _

from .presenting import (
    METRIC_NAMES,
    format_value,
    number,
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


def short(name: str, length=26) -> str:
    return name if len(name) <= length else name[: length - 1].rstrip() + "…"


def quoted(name: str) -> str:
    """A name between the language's quotation marks (“…” in English, « … » in French)."""
    return _("“%(name)s”") % {"name": name}
