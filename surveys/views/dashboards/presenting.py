"""How the dashboards say a number: value, interval, n, trend and level, as text first.

Every level is written in words with an icon (never a colour alone); a value measured on fewer
answers than the organization's minimum is flagged "few answers"; none at all says "no answers
yet". Numbers follow the user's language (decimal comma in French).
"""

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

METRICS = ("nps", "csat", "ces")
METRIC_NAMES = {
    "nps": gettext_lazy("NPS"),
    "csat": gettext_lazy("CSAT"),
    "ces": gettext_lazy("CES"),
}
METRIC_HELP = {
    "nps": gettext_lazy(
        "Net Promoter Score: % of promoters (9–10) minus % of detractors (0–6), from −100 to 100."
    ),
    "csat": gettext_lazy("Satisfaction: % of answers 4 or 5 out of 5."),
    "ces": gettext_lazy("Customer effort: mean from 1 (hard) to 7 (easy)."),
}
# The range of each metric's value, for the charts' axes.
METRIC_RANGES = {"nps": (-100, 100), "csat": (0, 100), "ces": (1, 7)}

# Levels (0–100): a word, an icon and the marker the charts draw for it.
BANDS = {
    "disappointing": {
        "label": gettext_lazy("disappointing"),
        "icon": "▼",
        "symbol": "triangle-down",
        "color": "#b42318",
        "fill": "#fde7e5",
    },
    "neutral": {
        "label": gettext_lazy("neutral"),
        "icon": "■",
        "symbol": "square",
        "color": "#6b5400",
        "fill": "#fbf4d8",
    },
    "enchantment": {
        "label": gettext_lazy("enchantment"),
        "icon": "▲",
        "symbol": "triangle-up",
        "color": "#116329",
        "fill": "#ddf4e4",
    },
}
MOMENT_OF_TRUTH_ICON = "★"
MINUS = "−"  # U+2212: a real minus sign, as long as the plus


def number(value, decimals=0) -> str:
    """``value`` rounded and written the way the user's language writes numbers."""
    if value is None:
        return ""
    rounded = round(value, decimals) or 0  # never "−0"
    text = number_format(rounded, decimals, use_l10n=True)
    return text.replace("-", MINUS)


def signed(value, decimals=0) -> str:
    text = number(value, decimals)
    if value is not None and round(value, decimals) > 0:
        return f"+{text}"
    return text


def percent(value, decimals=0) -> str:
    if value is None:
        return ""
    return _("%(value)s%%") % {"value": number(value, decimals)}


def format_value(metric: str, value) -> str:
    """NPS "+32", CSAT "78%", CES "5.2"."""
    if value is None:
        return ""
    if metric == "nps":
        return signed(value)
    if metric == "csat":
        return percent(value)
    return number(value, 1)


def format_delta(metric: str, delta) -> str:
    if delta is None:
        return ""
    if metric == "ces":
        return signed(delta, 1)
    text = signed(delta)
    return _("%(delta)s pts") % {"delta": text}


def band_of(band: str | None) -> dict | None:
    """The band's word, icon and chart marker (``None`` when there is no level)."""
    if band is None:
        return None
    return {"key": band, **BANDS[band]}


def describe_level(level, band) -> str:
    """ "level 62, neutral" (what a screen reader and a tooltip say)."""
    if level is None:
        return _("no answers yet")
    return _("level %(level)s, %(band)s") % {"level": number(level), "band": BANDS[band]["label"]}


def interval_text(metric: str, value) -> str:
    """ "95% interval: 25 to 39" ('' when there is none)."""
    ci = getattr(value, "ci95", None)
    if not ci:
        return ""
    return _("95%% interval: %(low)s to %(high)s") % {
        "low": format_value(metric, ci[0]),
        "high": format_value(metric, ci[1]),
    }


def state_of(value) -> str:
    """'empty' (no answers), 'low' (fewer than the minimum) or 'ok'."""
    if value is None or not value.n:
        return "empty"
    return "low" if value.low_n else "ok"


def detail_text(metric: str, value) -> str:
    """What completes the headline: CSAT's mean, CES's share of easy answers."""
    if value is None or not value.n:
        return ""
    if metric == "csat" and value.mean is not None:
        return _("mean %(mean)s out of 5") % {"mean": number(value.mean, 1)}
    if metric == "ces" and value.easy_share is not None:
        return _("%(share)s found it easy") % {"share": percent(value.easy_share)}
    if metric == "nps":
        buckets = value.buckets or {}
        return _("promoters: %(promoters)s, detractors: %(detractors)s") % {
            "promoters": number(buckets.get("promoters", 0)),
            "detractors": number(buckets.get("detractors", 0)),
        }
    return ""


def trend_of(metric: str, change, previous) -> dict | None:
    """The arrow, the words and the significance of a change against the previous period."""
    if change is None or change.delta is None:
        if previous is not None and not previous.n:
            return {"arrow": "", "text": _("no answers in the previous period"), "kind": "none"}
        return None
    delta = change.delta
    if round(delta, 1) > 0:
        arrow, direction, kind = "↑", _("up"), "up"
    elif round(delta, 1) < 0:
        arrow, direction, kind = "↓", _("down"), "down"
    else:
        arrow, direction, kind = "→", _("stable"), "stable"
    significance = _("significant") if change.significant else _("not significant")
    return {
        "arrow": arrow,
        "kind": kind,
        "significant": change.significant,
        "text": _("%(direction)s %(delta)s vs the previous period (%(significance)s)")
        % {
            "direction": direction,
            "delta": format_delta(metric, delta),
            "significance": significance,
        },
    }


def headline(metric: str, measurement, minimum_n: int) -> dict:
    """One headline indicator: value, interval, n, detail and trend, ready for the template."""
    value = measurement.overall
    return {
        "metric": metric,
        "name": METRIC_NAMES[metric],
        "help": METRIC_HELP[metric],
        "state": state_of(value),
        "value": format_value(metric, value.value),
        "interval": interval_text(metric, value),
        "n": value.n,
        "n_text": number(value.n),
        "minimum_n": minimum_n,
        "detail": detail_text(metric, value),
        "trend": trend_of(metric, measurement.change, measurement.previous),
        "computed_live": getattr(measurement, "computed_live", False),
    }


def response_rate_view(rate) -> dict:
    """The response rate, its counts when known, and the bias warning below 10%."""
    value = getattr(rate, "rate", None)
    answered = getattr(rate, "answered", None)
    base = getattr(rate, "base", None)
    return {
        "rate": value,
        "text": percent(value, 0) if value is not None else "",
        "answered": answered,
        "base": base,
        "counts": (
            _("%(answered)s answered out of %(base)s invitations")
            % {"answered": number(answered), "base": number(base)}
            if answered is not None and base is not None
            else ""
        ),
        "warning": bool(getattr(rate, "warning", False)),
    }
