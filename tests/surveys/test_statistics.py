"""The definitions of ARCHITECTURE.md against cases computed by hand (no database)."""

import pytest

from surveys import statistics as stats
from surveys.models import DEFAULT_SCALES
from surveys.statistics import (
    BAND_LABELS,
    BANDS,
    BUCKET_LABELS,
    BUCKETS,
    METRIC_SCALES,
    METRICS,
    REASON_LABELS,
    PriorityInput,
    change,
    level_band,
    measure,
    priorities,
    response_rate,
    t95,
    wilson95,
)

approx = pytest.approx


def counts(metric, *scores, scale=None):
    """ScoreCounts of the given scores on the metric's default scale (or ``scale``)."""
    low, high = scale or METRIC_SCALES[metric]
    result = {}
    for score in scores:
        result[(low, high, score)] = result.get((low, high, score), 0) + 1
    return result


def nps_of(promoters, passives, detractors):
    return {(0, 10, 10): promoters, (0, 10, 8): passives, (0, 10, 3): detractors}


# --- n = 0 and low n ----------------------------------------------------------------------------


@pytest.mark.parametrize("metric", METRICS)
def test_no_answers_has_no_value_and_says_why(metric):
    value = measure(metric, {})
    assert value.n == 0
    assert value.value is None and value.ci95 is None and value.se is None
    assert value.mean is None and value.level is None and value.easy_share is None
    assert value.reason == "no_answers"
    assert value.low_n is False
    assert value.buckets == dict.fromkeys(BUCKETS[metric], 0)


def test_zero_counts_are_no_answers():
    assert measure("nps", {(0, 10, 9): 0}).reason == "no_answers"


def test_below_the_minimum_n_is_flagged():
    ten = nps_of(5, 3, 2)
    assert measure("nps", ten).low_n is True  # default minimum 30
    assert measure("nps", ten, minimum_n=10).low_n is False  # n == minimum is enough
    assert measure("nps", ten, minimum_n=11).low_n is True
    assert measure("nps", ten).reason is None


# --- NPS ------------------------------------------------------------------------------------------


def test_nps_all_promoters():
    value = measure("nps", {(0, 10, 9): 20, (0, 10, 10): 20})
    assert value.value == 100
    assert value.se == 0
    assert value.ci95 == (100, 100)
    assert value.buckets == {"promoters": 40, "passives": 0, "detractors": 0}
    assert value.low_n is False


def test_nps_all_detractors():
    value = measure("nps", counts("nps", 0, 3, 6, 6))
    assert value.value == -100
    assert value.ci95 == (-100, -100)
    assert value.buckets == {"promoters": 0, "passives": 0, "detractors": 4}


def test_nps_mixed_by_hand():
    # Scores 9 9 9 10 10 | 7 7 8 | 3 6: n = 10, p+ = 0.5, p− = 0.2, NPS = 30.
    # SE = √((0.5 + 0.2 − 0.3²) / 10) · 100 = √0.061 · 100 = 24.698
    # CI = 30 ± 1.96 · 24.698 = 30 ± 48.408 → [−18.41, 78.41]
    # mean = (27 + 20 + 14 + 8 + 3 + 6) / 10 = 7.8 → level 78.
    value = measure("nps", counts("nps", 9, 9, 9, 10, 10, 7, 7, 8, 3, 6))
    assert value.n == 10
    assert value.buckets == {"promoters": 5, "passives": 3, "detractors": 2}
    assert value.value == approx(30)
    assert value.se == approx(24.698, abs=1e-3)
    assert value.ci95 == approx((-18.41, 78.41), abs=0.01)
    assert value.mean == approx(7.8)
    assert value.level == approx(78)
    assert value.easy_share is None


def test_nps_interval_is_clipped_to_100():
    # 9 promoters, 1 passive: NPS 90, SE = √((0.9 − 0.81) / 10) · 100 = 9.487,
    # 90 ± 18.59 → [71.41, 108.59] clipped to [71.41, 100].
    value = measure("nps", nps_of(9, 1, 0))
    assert value.value == approx(90)
    assert value.ci95 == approx((71.41, 100), abs=0.01)
    assert value.ci95[1] == 100


def test_nps_boundaries_six_seven_eight_nine():
    value = measure("nps", counts("nps", 6, 7, 8, 9))
    assert value.buckets == {"promoters": 1, "passives": 2, "detractors": 1}


# --- CSAT ---------------------------------------------------------------------------------------


def test_csat_eight_of_ten_with_wilson_bounds():
    # 5 5 5 5 5 4 4 4 | 3 | 1: 8 of 10 satisfied = 80 %. Wilson 95 %:
    # centre = (0.8 + 1.96²/20) / (1 + 1.96²/10) = 0.99208 / 1.38416 = 0.71674
    # half = 1.96 / 1.38416 · √(0.016 + 1.96²/400) = 1.41602 · 0.16001 = 0.22658 → [49.0, 94.3] %
    # SE = √(0.8 · 0.2 / 10) · 100 = 12.649; mean = 41 / 10 = 4.1, level = 3.1 / 4 · 100 = 77.5.
    value = measure("csat", counts("csat", 5, 5, 5, 5, 5, 4, 4, 4, 3, 1))
    assert value.value == approx(80)
    assert value.ci95 == approx((49.0, 94.3), abs=0.05)
    assert value.se == approx(12.649, abs=1e-3)
    assert value.buckets == {"satisfied": 8, "neutral": 1, "dissatisfied": 1}
    assert value.mean == approx(4.1)
    assert value.level == approx(77.5)


def test_csat_all_satisfied_stays_within_100():
    value = measure("csat", counts("csat", 5, 4, 5))
    assert value.value == 100
    assert value.ci95[1] == approx(100)
    assert 0 <= value.ci95[0] < 100  # Wilson does not collapse to a point at p = 1


def test_wilson_formula_at_the_edges():
    low, high = wilson95(0, 10)
    assert low == approx(0, abs=1e-12) and high == approx(0.2775, abs=1e-4)
    low, high = wilson95(10, 10)
    assert high == approx(1) and low == approx(0.7225, abs=1e-4)


# --- CES ------------------------------------------------------------------------------------------


def test_ces_t_interval_by_hand():
    # 5 6 7 4 6: mean 5.6; Σ(x − mean)² = .36 + .16 + 1.96 + 2.56 + .16 = 5.2, s² = 1.3, s = 1.140
    # SE = 1.140 / √5 = 0.5099; t(4) = 2.776 → ± 1.4155 → [4.18, 7.02] clipped to [4.18, 7].
    value = measure("ces", counts("ces", 5, 6, 7, 4, 6))
    assert value.value == approx(5.6)
    assert value.mean == approx(5.6)
    assert value.se == approx(0.5099, abs=1e-4)
    assert value.ci95 == approx((4.1845, 7.0), abs=1e-3)
    assert value.buckets == {"easy": 4, "neutral": 1, "hard": 0}
    assert value.easy_share == approx(80)
    assert value.level == approx(4.6 / 6 * 100)


def test_ces_interval_inside_the_scale():
    # 3 4 5: mean 4, s = 1, SE = 0.5774, t(2) = 4.303 → ± 2.4843 → [1.5157, 6.4843].
    value = measure("ces", counts("ces", 3, 4, 5))
    assert value.ci95 == approx((1.5157, 6.4843), abs=1e-3)
    assert value.buckets == {"easy": 1, "neutral": 1, "hard": 1}


def test_ces_single_answer_has_no_interval():
    value = measure("ces", counts("ces", 3))
    assert value.value == 3
    assert value.ci95 is None and value.se is None
    assert value.reason is None
    assert value.buckets == {"easy": 0, "neutral": 0, "hard": 1}


def test_t_table_and_interpolation():
    assert t95(1) == 12.706
    assert t95(4) == 2.776
    assert t95(30) == 2.042
    assert t95(35) == approx(2.030, abs=1e-3)  # between 30 and 40, in 1/df
    assert t95(1000) == approx(1.9623, abs=1e-3)  # towards 1.96 at infinity
    values = [t95(df) for df in range(1, 500)]
    assert all(a >= b for a, b in zip(values, values[1:], strict=False))
    assert values[-1] > 1.96
    with pytest.raises(ValueError):
        t95(0)


# --- scales ---------------------------------------------------------------------------------------


def test_default_scales_are_the_models():
    assert {str(kind): scale for kind, scale in DEFAULT_SCALES.items()} == METRIC_SCALES


def test_csat_on_one_to_ten_is_mapped_and_bucketed_on_its_own_scale():
    # Top two points of 1–10 (9, 10) satisfy, the bottom two (1, 2) do not; mapped onto 1–5:
    # 10 → 5, 9 → 1 + 8 · 4/9 = 4.556, 5 → 1 + 4 · 4/9 = 2.778, 1 → 1.
    value = measure("csat", counts("csat", 10, 9, 5, 1, scale=(1, 10)))
    assert value.buckets == {"satisfied": 2, "neutral": 1, "dissatisfied": 1}
    assert value.value == approx(50)
    assert value.mean == approx((5 + 1 + 32 / 9 + 1 + 16 / 9 + 1) / 4)


def test_nps_on_one_to_five_is_mapped_onto_zero_to_ten():
    # 5 → 10 promoter, 4 → 7.5 passive, 3 → 5 detractor.
    value = measure("nps", counts("nps", 5, 4, 3, scale=(1, 5)))
    assert value.buckets == {"promoters": 1, "passives": 1, "detractors": 1}
    assert value.value == approx(0)
    assert value.mean == approx(7.5)


def test_ces_on_one_to_five_easy_is_its_top_three():
    # 3, 4, 5 easy; 1, 2 hard. Mapped onto 1–7: 5 → 7, 1 → 1; mean (7 + 1) / 2 = 4.
    value = measure("ces", counts("ces", 5, 1, scale=(1, 5)))
    assert value.buckets == {"easy": 1, "neutral": 0, "hard": 1}
    assert value.mean == approx(4)
    assert measure("ces", counts("ces", 3, scale=(1, 5))).buckets["easy"] == 1


def test_several_scales_add_up():
    mixed = {(1, 5, 5): 1, (1, 10, 10): 1, (1, 5, 1): 2}
    value = measure("csat", mixed)
    assert value.n == 4
    assert value.buckets == {"satisfied": 2, "neutral": 0, "dissatisfied": 2}
    assert value.mean == approx(3)


def test_broken_counts_are_left_out_and_unknown_metrics_refused():
    assert measure("csat", {(1, 5, 9): 3, (3, 3, 3): 1}).n == 0
    with pytest.raises(ValueError):
        measure("text", {})


# --- significance ---------------------------------------------------------------------------------


def test_a_clear_change_is_significant():
    # Before: NPS 0 (60 / 80 / 60 of 200), SE = √(0.6 / 200) · 100 = 5.477.
    # After: NPS 50 (120 / 60 / 20), SE = √((0.7 − 0.25) / 200) · 100 = 4.743.
    # Threshold = 1.96 · √(30 + 22.5) = 14.20 < 50.
    before, after = measure("nps", nps_of(60, 80, 60)), measure("nps", nps_of(120, 60, 20))
    result = change(before, after)
    assert result.delta == approx(50)
    assert result.significant is True
    assert change(after, before).delta == approx(-50)
    assert change(after, before).significant is True


def test_a_small_change_is_not_significant():
    # NPS 0 → 5 with SEs near 5.5: threshold ≈ 15.
    result = change(measure("nps", nps_of(60, 80, 60)), measure("nps", nps_of(70, 70, 60)))
    assert result.delta == approx(5)
    assert result.significant is False


def test_no_answers_on_a_side_is_no_change():
    some = measure("csat", counts("csat", 5, 4, 1))
    assert change(measure("csat", {}), some) == stats.Change(delta=None, significant=False)
    assert change(some, measure("csat", {})) == stats.Change(delta=None, significant=False)


def test_ces_with_one_answer_has_a_delta_but_no_significance():
    result = change(measure("ces", counts("ces", 1)), measure("ces", counts("ces", 7, 7, 6)))
    assert result.delta == approx(20 / 3 - 1)
    assert result.significant is False


# --- levels and bands -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "band"),
    [
        (0, "disappointing"),
        (59.99, "disappointing"),
        (60, "neutral"),
        (79.99, "neutral"),
        (80, "enchantment"),
        (100, "enchantment"),
        (None, None),
    ],
)
def test_bands_with_inclusive_thresholds(level, band):
    assert level_band(level, 60, 80) == band


def test_bands_follow_the_organization_thresholds():
    assert level_band(65, neutral_from=50, enchantment_from=70) == "neutral"
    assert level_band(70, neutral_from=50, enchantment_from=70) == "enchantment"
    assert level_band(49, neutral_from=50, enchantment_from=70) == "disappointing"


def test_a_level_of_exactly_80_is_enchantment_despite_floating_point():
    # CSAT 5 4 4 4 4: mean 4.2, level (4.2 − 1) / 4 · 100 = 80.
    value = measure("csat", counts("csat", 5, 4, 4, 4, 4))
    assert value.level == approx(80)
    assert level_band(value.level, 60, 80) == "enchantment"


def test_every_band_bucket_and_reason_has_a_label():
    assert set(BAND_LABELS) == set(BANDS)
    assert {bucket for names in BUCKETS.values() for bucket in names} <= set(BUCKET_LABELS)
    assert "no_answers" in REASON_LABELS
    assert str(BAND_LABELS["enchantment"])


# --- response rate --------------------------------------------------------------------------------


def test_response_rate_and_its_warning():
    low = response_rate(5, 100)
    assert low.rate == approx(5) and low.warning is True
    enough = response_rate(10, 100)
    assert enough.rate == approx(10) and enough.warning is False
    assert response_rate(3, 4).rate == approx(75)
    none = response_rate(0, 0)
    assert none.rate is None and none.warning is False
    assert response_rate(0, 20).warning is True


# --- priorities -----------------------------------------------------------------------------------


def test_priorities_by_importance_times_gap():
    result = priorities(
        [
            PriorityInput("met", 4, 90, 80),  # above target: gap 0, not negative
            PriorityInput("unmeasured", 2, None, 80),  # no level, no gap
            PriorityInput("small", 5, 70, 80),  # 5 · 10 = 50
            PriorityInput("delivery", 5, 50, 80),  # 5 · 30 = 150
            PriorityInput("call", 3, 40, 80),  # 3 · 40 = 120
        ]
    )
    assert [p.key for p in result] == ["delivery", "call", "small", "met", "unmeasured"]
    assert [p.score for p in result] == [150, 120, 50, 0, None]
    assert [p.gap for p in result] == [30, 40, 10, 0, None]
    assert [p.act_first for p in result] == [True, True, False, False, False]


def test_equal_scores_go_by_importance():
    result = priorities([PriorityInput("a", 2, 50, 80), PriorityInput("b", 3, 60, 80)])
    assert [p.score for p in result] == [60, 60]
    assert [p.key for p in result] == ["b", "a"]


def test_nothing_to_act_on_when_every_target_is_met():
    result = priorities([PriorityInput("a", 5, 85, 80), PriorityInput("b", 1, 80, 80)])
    assert all(p.gap == 0 and p.score == 0 and not p.act_first for p in result)


def test_only_positive_scores_are_acted_on_first():
    result = priorities(
        [PriorityInput("met", 5, 95, 80), PriorityInput("gap", 1, 79, 80)]
        + [PriorityInput("none", 5, None, 80)]
    )
    assert [(p.key, p.act_first) for p in result] == [
        ("gap", True),
        ("met", False),
        ("none", False),
    ]
    assert priorities([]) == []
