"""The definitions of the numbers (ARCHITECTURE.md "Definitions"): NPS, CSAT and CES from score
counts, their 95 % intervals and standard errors, the significance of a change, levels and their
bands, the response rate and the priorities of a journey's touchpoints.

Pure functions, no database: the rollups, the metrics query layer, the pages, the API and the bench
all turn counts into values here, so that every screen shows the same number. No scipy: the t
quantiles come from a table and Wilson's interval from its formula.
"""

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

from django.utils.translation import gettext_lazy as _

METRICS = ("nps", "csat", "ces")

# The metrics' default scales; a question on another scale is mapped linearly onto these.
# Same as surveys.models.DEFAULT_SCALES (a test checks it), kept here so this module needs no model.
METRIC_SCALES = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}

BUCKETS = {
    "nps": ("promoters", "passives", "detractors"),
    "csat": ("satisfied", "neutral", "dissatisfied"),
    "ces": ("easy", "neutral", "hard"),
}

BANDS = ("disappointing", "neutral", "enchantment")

Z95 = 1.96  # two-sided 95 % normal quantile
LOW_RESPONSE_RATE = 10.0  # %: below it, those who answer may not speak for the others

METRIC_LABELS = {"nps": _("NPS"), "csat": _("CSAT"), "ces": _("CES")}
BAND_LABELS = {
    "disappointing": _("Disappointing"),
    "neutral": _("Neutral"),
    "enchantment": _("Enchantment"),
}
BUCKET_LABELS = {
    "promoters": _("Promoters"),
    "passives": _("Passives"),
    "detractors": _("Detractors"),
    "satisfied": _("Satisfied"),
    "neutral": _("Neutral"),
    "dissatisfied": _("Dissatisfied"),
    "easy": _("Easy"),
    "hard": _("Hard"),
}
REASON_LABELS = {
    "no_answers": _("No answers yet"),
    "low_n": _("Few answers: read this number with care"),
    "low_response_rate": _("Fewer than 10 % of invitations were answered: the score may be biased"),
}

# Two-sided 95 % quantiles of Student's t by degrees of freedom (any statistics textbook's table).
T95 = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262,
    10: 2.228, 11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110,
    18: 2.101, 19: 2.093, 20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060,
    26: 2.056, 27: 2.052, 28: 2.048, 29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip

ScoreCounts = Mapping[tuple[int, int, int], int]  # (scale_min, scale_max, score) -> count


@dataclass(frozen=True)
class MetricValue:
    metric: str  # nps | csat | ces
    n: int
    value: float | None  # NPS −100..100; CSAT % 0..100; CES mean on 1..7
    ci95: tuple[float, float] | None  # None when n == 0 (or n == 1 for CES)
    se: float | None  # standard error in the value's unit (for significance)
    reason: str | None  # "no_answers" when n == 0; else None
    low_n: bool  # 0 < n < minimum_n
    buckets: dict[str, int]
    mean: float | None  # on the metric's default scale
    easy_share: float | None  # ces only: % easy
    level: float | None  # 0..100, (mean − min) / (max − min) · 100


@dataclass(frozen=True)
class Change:
    delta: float | None  # after − before, in the value's unit; None when a side has no answers
    significant: bool


@dataclass(frozen=True)
class ResponseRate:
    answered: int
    base: int  # invitations sent, delivered, answered or expired
    rate: float | None  # % ; None without invitations
    warning: bool  # rate below 10 %: the score may be biased


@dataclass(frozen=True)
class PriorityInput:
    key: object  # whatever identifies the touchpoint to the caller (id, key, object)
    importance: int  # 1–5
    level: float | None
    target: float  # 0–100, a level


@dataclass(frozen=True)
class Priority:
    key: object
    importance: int
    level: float | None
    target: float
    gap: float | None  # max(0, target − level); None without a level
    score: float | None  # importance × gap; None without a level
    act_first: bool


# --- scores and scales ------------------------------------------------------------------------


def _mapped(metric: str, scale_min: int, scale_max: int, score: int) -> float:
    """The score moved linearly onto the metric's default scale."""
    low, high = METRIC_SCALES[metric]
    if (scale_min, scale_max) == (low, high):
        return float(score)
    return low + (score - scale_min) * (high - low) / (scale_max - scale_min)


def _bucket(metric: str, scale_min: int, scale_max: int, score: int) -> str:
    if metric == "nps":
        # Promoters 9–10, detractors 0–6 on 0–10; other scales are compared once mapped.
        mapped = _mapped(metric, scale_min, scale_max, score)
        if mapped >= 9 - 1e-9:
            return "promoters"
        return "detractors" if mapped <= 6 + 1e-9 else "passives"
    if metric == "csat":
        # The top two points of the question's own scale satisfy (4–5 on 1–5), the bottom two not.
        if score >= scale_max - 1:
            return "satisfied"
        return "dissatisfied" if score <= scale_min + 1 else "neutral"
    # CES: the top three points of its own scale are easy (5–7 on 1–7), the bottom three hard;
    # on a short scale where they overlap, easy wins.
    if score >= scale_max - 2:
        return "easy"
    return "hard" if score <= scale_min + 2 else "neutral"


def _usable(counts: ScoreCounts):
    """(scale_min, scale_max, score, count) of the counts that can be measured.

    Answers are validated against their question's scale, so an out-of-scale score or an empty
    scale means broken data: it is left out rather than crash a dashboard."""
    for (scale_min, scale_max, score), count in counts.items():
        if count > 0 and scale_min < scale_max and scale_min <= score <= scale_max:
            yield scale_min, scale_max, score, count


def _level(metric: str, mean: float) -> float:
    low, high = METRIC_SCALES[metric]
    return (mean - low) / (high - low) * 100


# --- intervals ----------------------------------------------------------------------------------


def t95(df: int) -> float:
    """Two-sided 95 % quantile of Student's t, interpolated linearly in 1/df between the table's
    rows (the usual way to read such a table; exact to the third decimal), 1.96 at infinity."""
    if df < 1:
        raise ValueError("t needs at least one degree of freedom")
    if df in T95:
        return T95[df]
    rows = sorted(T95)
    upper = next((row for row in rows if row > df), None)
    lower = max(row for row in rows if row < df)
    high_t = T95[upper] if upper else Z95
    inv_upper = 1 / upper if upper else 0.0
    share = (1 / lower - 1 / df) / (1 / lower - inv_upper)
    return T95[lower] + (high_t - T95[lower]) * share


def wilson95(successes: int, n: int) -> tuple[float, float]:
    """Wilson's 95 % score interval of a proportion, as fractions; good at small n and near 0 or 1
    where p ± 1.96·SE would leave [0, 1]."""
    p = successes / n
    z2 = Z95 * Z95
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z95 / denominator * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def _clip(interval: tuple[float, float], low: float, high: float) -> tuple[float, float]:
    return max(low, interval[0]), min(high, interval[1])


# --- measures -----------------------------------------------------------------------------------


def measure(metric: str, counts: ScoreCounts, minimum_n: int = 30) -> MetricValue:
    """The metric's value from score counts, with its interval, buckets, mean and level."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    buckets = dict.fromkeys(BUCKETS[metric], 0)
    mapped_counts: dict[float, int] = {}
    for scale_min, scale_max, score, count in _usable(counts):
        buckets[_bucket(metric, scale_min, scale_max, score)] += count
        mapped = _mapped(metric, scale_min, scale_max, score)
        mapped_counts[mapped] = mapped_counts.get(mapped, 0) + count
    n = sum(buckets.values())
    if n == 0:
        return MetricValue(
            metric=metric,
            n=0,
            value=None,
            ci95=None,
            se=None,
            reason="no_answers",
            low_n=False,
            buckets=buckets,
            mean=None,
            easy_share=None,
            level=None,
        )
    mean = sum(value * count for value, count in mapped_counts.items()) / n
    value, ci95, se = _VALUE_OF[metric](buckets, mapped_counts, n, mean)
    return MetricValue(
        metric=metric,
        n=n,
        value=value,
        ci95=ci95,
        se=se,
        reason=None,
        low_n=n < minimum_n,
        buckets=buckets,
        mean=mean,
        easy_share=buckets["easy"] / n * 100 if metric == "ces" else None,
        level=_level(metric, mean),
    )


def _nps(buckets, mapped_counts, n, mean):
    promoters, detractors = buckets["promoters"] / n, buckets["detractors"] / n
    value = (promoters - detractors) * 100
    # Variance of a difference of two shares of the same multinomial sample.
    se = math.sqrt(max(0.0, promoters + detractors - (promoters - detractors) ** 2) / n) * 100
    return value, _clip((value - Z95 * se, value + Z95 * se), -100.0, 100.0), se


def _csat(buckets, mapped_counts, n, mean):
    share = buckets["satisfied"] / n
    low, high = wilson95(buckets["satisfied"], n)
    return share * 100, (low * 100, high * 100), math.sqrt(share * (1 - share) / n) * 100


def _ces(buckets, mapped_counts, n, mean):
    if n < 2:  # one answer tells nothing of the spread
        return mean, None, None
    variance = sum(count * (value - mean) ** 2 for value, count in mapped_counts.items()) / (n - 1)
    se = math.sqrt(variance / n)
    half = t95(n - 1) * se
    low, high = METRIC_SCALES["ces"]
    return mean, _clip((mean - half, mean + half), low, high), se


_VALUE_OF = {"nps": _nps, "csat": _csat, "ces": _ces}


def change(before: MetricValue, after: MetricValue) -> Change:
    """after − before; significant when |Δ| > 1.96·√(SE₁² + SE₂²) (two independent samples)."""
    if before.value is None or after.value is None:
        return Change(delta=None, significant=False)
    delta = after.value - before.value
    if before.se is None or after.se is None:  # CES with a single answer: no spread to test
        return Change(delta=delta, significant=False)
    threshold = Z95 * math.sqrt(before.se**2 + after.se**2)
    return Change(delta=delta, significant=abs(delta) > threshold)


# --- levels, response rate, priorities ----------------------------------------------------------


def level_band(
    level: float | None, neutral_from: int = 60, enchantment_from: int = 80
) -> str | None:
    """The band of a level: below neutral_from "disappointing", then "neutral" up to below
    enchantment_from, then "enchantment"; None without a level. Thresholds are inclusive."""
    if level is None:
        return None
    # A level computed as exactly 80 may come out as 79.99999999999999 in floating point.
    level = round(level, 9)
    if level < neutral_from:
        return "disappointing"
    return "neutral" if level < enchantment_from else "enchantment"


def response_rate(answered: int, base: int) -> ResponseRate:
    """answered / base in %, warned below 10 %; no rate (and no warning) without invitations."""
    if base <= 0:
        return ResponseRate(answered=answered, base=base, rate=None, warning=False)
    rate = answered / base * 100
    return ResponseRate(answered=answered, base=base, rate=rate, warning=rate < LOW_RESPONSE_RATE)


def priorities(items: list[PriorityInput]) -> list[Priority]:
    """Touchpoints by importance × gap to target, largest first; the first two with a positive
    score are the ones to act on first. Without a level there is no gap: those come last."""
    scored = [_scored(item) for item in items]
    # Stable sort: equal scores and importances keep the caller's order (journey order).
    scored.sort(key=lambda p: (p.score is None, -(p.score or 0), -p.importance))
    first_two = [rank for rank, p in enumerate(scored) if p.score and p.score > 0][:2]
    return [replace(p, act_first=rank in first_two) for rank, p in enumerate(scored)]


def _scored(item: PriorityInput) -> Priority:
    # A level above its target is no debt: the gap stops at 0 rather than offset other gaps.
    gap = None if item.level is None else max(0.0, item.target - item.level)
    score = None if gap is None else item.importance * gap
    return Priority(item.key, item.importance, item.level, item.target, gap, score, False)
