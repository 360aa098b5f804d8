"""The metrics query layer (surveys/metrics): rollups give the numbers the raw data gives.

A seeded random shop (tests/surveys/metrics_sample.py) — eight weeks of answers and invitations
in Paris, across the change to summer time on 29 March 2026, many of them around local midnight,
on several touchpoints, stages, channels, scales and contacts — is measured twice, from the
rollups and from the raw answers, for every metric, grouping and filter; days, ISO weeks and
months are also counted in Python from the local wall clock, independently of the database's
time zone functions.
"""

import math
from collections import Counter, defaultdict
from dataclasses import fields, is_dataclass
from datetime import date

import pytest

from surveys import statistics
from surveys.metrics import (
    GROUPINGS,
    Filters,
    MetricsError,
    Period,
    latest_verbatims,
    measure,
    score_distribution,
    touchpoint_levels,
)
from surveys.rollups import rebuild_rollups
from tests.surveys.metrics_fixtures import local, make_shop, write_responses
from tests.surveys.metrics_sample import (
    EMPTY,
    PERIODS,
    STORES,
    WHOLE,
    local_day,
    make_sample,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(org_a, manager_a):
    return make_sample(org_a, manager_a)


# --- Comparing ------------------------------------------------------------------------------


def same(a, b) -> bool:
    """Equal, floats to within rounding (sums in another order)."""
    if is_dataclass(a):
        return type(a) is type(b) and all(
            same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a)
        )
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def both(organization, metric, filters, group_by=None):
    from_rollups = measure(organization, metric, filters, group_by, source="rollups")
    from_raw = measure(organization, metric, filters, group_by, source="raw")
    assert same(from_rollups, from_raw), (metric, filters, group_by)
    assert not from_rollups.computed_live
    return from_rollups


def key_of(group_by: str, day: date) -> str:
    if group_by == "day":
        return day.isoformat()
    if group_by == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return day.strftime("%Y-%m")


def within(facts, metric, period, **conditions):
    return [
        fact
        for fact in facts
        if fact.metric == metric
        and period.since <= fact.day <= period.until
        and all(getattr(fact, name) == value for name, value in conditions.items())
    ]


def counts_of(facts) -> Counter:
    return Counter((*fact.scale, fact.score) for fact in facts)


# --- Rollups equal raw --------------------------------------------------------------------------


def test_every_metric_and_grouping_from_rollups_equals_raw(sample, org_a):
    for metric in statistics.METRICS:
        for period in [*PERIODS, EMPTY]:
            for group_by in (None, *GROUPINGS):
                both(org_a, metric, Filters(period), group_by)


def test_filters_from_rollups_equal_raw(sample, org_a):
    shop = sample.shop
    touchpoint, stage = shop.touchpoints[1], shop.touchpoints[1].stage_id
    variants = [
        {"touchpoint": touchpoint.pk},
        {"stage": stage},
        {"journey": shop.journey.pk},
        {"channel": "email"},
        {"journey": shop.journey.pk, "channel": "sms", "stage": stage},
    ]
    for metric in statistics.METRICS:
        for variant in variants:
            for group_by in (None, "week", "touchpoint", "channel"):
                both(org_a, metric, Filters(WHOLE, **variant), group_by)


def test_local_days_weeks_and_months_count_as_the_wall_clock_says(sample, org_a):
    for metric in statistics.METRICS:
        for group_by in ("day", "week", "month"):
            for period in PERIODS:
                result = both(org_a, metric, Filters(period), group_by)
                expected = Counter(
                    key_of(group_by, f.day) for f in within(sample.facts, metric, period)
                )
                found = {group.key: group.value.n for group in result.groups}
                assert {k: n for k, n in found.items() if n} == expected, (metric, group_by)
                # Every period is listed, answers or not, in order.
                assert list(found) == sorted(found)
                if group_by == "day":
                    assert len(found) == period.days


def test_values_match_the_definitions_on_python_counts(sample, org_a):
    for metric in statistics.METRICS:
        result = both(org_a, metric, Filters(WHOLE), "touchpoint")
        facts = within(sample.facts, metric, WHOLE)
        assert same(result.overall, statistics.measure(metric, counts_of(facts), 30))
        for group in result.groups:
            wanted = None if group.key == "" else int(group.key)
            mine = [fact for fact in facts if fact.touchpoint == wanted]
            assert same(group.value, statistics.measure(metric, counts_of(mine), 30))


def test_response_rates_count_invitations_on_their_local_sending_day(sample, org_a):
    period = PERIODS[2]
    sent = [
        spec
        for spec in sample.invitations
        if spec["sent_at"] is not None
        and period.since <= local_day(spec["sent_at"]) <= period.until
        and spec["state"] in ("sent", "delivered", "answered", "expired")
    ]
    result = both(org_a, "nps", Filters(period), "touchpoint")
    answered = sum(spec["state"] == "answered" for spec in sent)
    assert (result.response_rate.answered, result.response_rate.base) == (answered, len(sent))
    by_touchpoint = defaultdict(lambda: [0, 0])
    for spec in sent:
        key = str(spec["touchpoint"].pk) if spec["touchpoint"] else ""
        by_touchpoint[key][0] += spec["state"] == "answered"
        by_touchpoint[key][1] += 1
    for group in result.groups:
        rate = group.response_rate
        assert [rate.answered, rate.base] == by_touchpoint.get(group.key, [0, 0])


def test_the_previous_period_and_change(sample, org_a):
    period = Period(date(2026, 4, 6), date(2026, 4, 19))
    assert period.previous() == Period(date(2026, 3, 23), date(2026, 4, 5))
    result = both(org_a, "nps", Filters(period))
    before = statistics.measure("nps", counts_of(within(sample.facts, "nps", period.previous())))
    assert same(result.previous, before)
    assert same(result.change, statistics.change(before, result.overall))


def test_a_period_without_answers(sample, org_a):
    result = both(org_a, "csat", Filters(EMPTY), "week")
    assert result.overall.n == 0 and result.overall.value is None
    assert result.overall.reason == "no_answers" and result.overall.ci95 is None
    assert [group.key for group in result.groups] == [
        "2025-W23",
        "2025-W24",
        "2025-W25",
        "2025-W26",
    ]
    assert all(group.value.n == 0 for group in result.groups)
    assert result.response_rate.rate is None and result.change.delta is None


def test_score_distribution_from_rollups_equals_raw(sample, org_a):
    for metric in statistics.METRICS:
        for filters in (Filters(WHOLE), Filters(PERIODS[2], channel="link")):
            rollups = score_distribution(org_a, metric, filters, source="rollups")
            assert rollups == score_distribution(org_a, metric, filters, source="raw")
            expected = Counter(fact.score for fact in within(sample.facts, metric, WHOLE))
            if filters.period == WHOLE:
                assert {s: n for s, n in rollups.items() if n} == expected
    assert list(score_distribution(org_a, "nps", Filters(EMPTY))) == list(range(11))


def test_touchpoint_levels_take_each_touchpoints_main_metric(sample, org_a):
    levels = touchpoint_levels(org_a, WHOLE)
    by_touchpoint = defaultdict(lambda: defaultdict(list))
    for fact in within_all(sample.facts, WHOLE):
        if fact.touchpoint is not None:
            by_touchpoint[fact.touchpoint][fact.metric].append(fact)
    assert set(levels) == set(by_touchpoint)
    for touchpoint, by_metric in by_touchpoint.items():
        main = min(by_metric, key=lambda m: (-len(by_metric[m]), statistics.METRICS.index(m)))
        level = levels[touchpoint]
        value = statistics.measure(main, counts_of(by_metric[main]), 30)
        assert level.metric == main and same(level.value, value)
        assert level.level == value.level and level.n == value.n
        assert level.band == statistics.level_band(value.level, 60, 80)
    journey = touchpoint_levels(org_a, WHOLE, journey=sample.shop.journey)
    assert same(journey, levels)


def within_all(facts, period):
    return [fact for fact in facts if period.since <= fact.day <= period.until]


# --- Computed live ----------------------------------------------------------------------------


def test_a_segment_is_computed_live(sample, org_a):
    segment = sample.shop.french.pk
    for metric in statistics.METRICS:
        result = measure(org_a, metric, Filters(WHOLE, segment=segment), "week")
        assert result.computed_live
        facts = within(sample.facts, metric, WHOLE, french=True)
        assert same(result.overall, statistics.measure(metric, counts_of(facts), 30))
    with pytest.raises(ValueError):
        measure(org_a, "nps", Filters(WHOLE, segment=segment), source="rollups")


def test_attribute_filters_and_groupings_are_computed_live(sample, org_a):
    lyon = measure(org_a, "nps", Filters(WHOLE, attributes=(("store", "Lyon"),)))
    assert lyon.computed_live
    assert lyon.overall.n == len(within(sample.facts, "nps", WHOLE, store="Lyon"))
    amount = measure(org_a, "nps", Filters(WHOLE, attributes=(("amount", "42"),)))
    assert amount.overall.n == len(within(sample.facts, "nps", WHOLE, amount="42"))

    by_store = measure(org_a, "ces", Filters(WHOLE), "attr:store")
    assert by_store.computed_live
    expected = Counter(fact.store or "" for fact in within(sample.facts, "ces", WHOLE))
    assert {group.key: group.value.n for group in by_store.groups} == expected
    assert [group.key for group in by_store.groups] == [
        *(store for store in sorted(STORES) if store in expected),
        "",
    ]

    april = Period(date(2026, 4, 1), date(2026, 4, 19))  # its previous period has answers
    grouped = measure(org_a, "ces", Filters(april), "attr:store")
    raw = measure(org_a, "ces", Filters(april), source="raw")
    assert grouped.previous.n == len(within(sample.facts, "ces", april.previous())) > 0
    assert same(grouped.previous, raw.previous)

    sent = [
        spec
        for spec in sample.invitations
        if spec["sent_at"] is not None
        and spec["attributes"].get("store") == "Lyon"
        and spec["state"] in ("sent", "delivered", "answered", "expired")
    ]
    assert lyon.response_rate.base == len(sent)
    assert lyon.response_rate.answered == sum(spec["state"] == "answered" for spec in sent)


# --- Verbatims and errors -------------------------------------------------------------------


def test_latest_verbatims_are_the_newest_texts(sample, org_a):
    verbatims = latest_verbatims(org_a, Filters(WHOLE), limit=5)
    assert len(verbatims) == 5
    assert [v.created_at for v in verbatims] == sorted(
        (v.created_at for v in verbatims), reverse=True
    )
    assert all(v.text in ("Great", "Too slow", "Parfait", "Vite", "Slow", "Bof") for v in verbatims)
    email = latest_verbatims(org_a, Filters(WHOLE, channel="email"), limit=100)
    assert email and all(v.channel == "email" for v in email)
    assert latest_verbatims(org_a, Filters(EMPTY)) == []


def test_bad_inputs_name_their_field(shop_b, org_a, org_b):
    period = Filters(WHOLE)
    cases = [
        (lambda: measure(org_a, "wow", period), "metric"),
        (lambda: measure(org_a, "nps", period, "hour"), "group_by"),
        (lambda: measure(org_a, "nps", period, "attr:no spaces"), "group_by"),
        (lambda: measure(org_a, "nps", Filters(WHOLE, channel="fax")), "channel"),
        (lambda: Period(date(2026, 3, 2), date(2026, 3, 1)), "since"),
        (lambda: Period.parse(org_a, "2026-02-30", ""), "since"),
        (lambda: Period.parse(org_a, "", "0001-01-01"), "until"),
        (lambda: measure(org_a, "nps", Filters(WHOLE, touchpoint="12")), "touchpoint"),
    ]
    for call, field in cases:
        with pytest.raises(MetricsError) as raised:
            call()
        assert raised.value.field == field
    foreign = shop_b.touchpoints[0].pk
    messages = []
    for touchpoint in (foreign, 10**9, 10**30):
        with pytest.raises(MetricsError) as raised:
            measure(org_a, "nps", Filters(WHOLE, touchpoint=touchpoint))
        messages.append((raised.value.field, raised.value.message))
    assert messages[0] == messages[1] == messages[2] == ("touchpoint", "No such touchpoint.")
    with pytest.raises(MetricsError) as raised:
        measure(org_a, "nps", Filters(WHOLE, segment=shop_b.french.pk))
    assert (raised.value.field, raised.value.message) == ("segment", "No such segment.")


@pytest.fixture
def shop_b(org_b):
    return make_shop(org_b)


def test_periods():
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).previous() == Period(
        date(2026, 1, 29), date(2026, 2, 28)
    )
    assert Period(date(2026, 3, 1), date(2026, 3, 31)).days == 31


def test_last_days_and_defaults_are_local(org_a):
    today = date(2026, 3, 29)
    assert Period.last_days(org_a, 7, today=today) == Period(date(2026, 3, 23), today)
    parsed = Period.parse(org_a, "2026-03-01", "2026-03-29")
    assert parsed == Period(date(2026, 3, 1), date(2026, 3, 29))
    assert Period.parse(org_a, "", "2026-03-30") == Period(date(2026, 3, 1), date(2026, 3, 30))


def test_a_measurement_costs_a_constant_number_of_queries(
    sample, org_a, django_assert_max_num_queries
):
    filters = Filters(WHOLE, journey=sample.shop.journey.pk, channel="sms")
    with django_assert_max_num_queries(5):
        measure(org_a, "nps", filters, "touchpoint")
    with django_assert_max_num_queries(3):
        measure(org_a, "nps", Filters(WHOLE), "day")
    with django_assert_max_num_queries(1):
        touchpoint_levels(org_a, WHOLE)


def test_local_midnight_is_the_boundary(org_a, manager_a):
    shop = make_shop(org_a, manager_a)
    rows = [
        (local(2026, 3, 28, 23, 59), 10),  # Saturday, winter time
        (local(2026, 3, 29, 0, 0), 0),  # Sunday (23 hours long)
        (local(2026, 3, 29, 23, 59), 9),
        (local(2026, 3, 30, 0, 0), 8),  # Monday: the next ISO week
        (local(2026, 3, 31, 23, 59), 7),
        (local(2026, 4, 1, 0, 0), 6),  # April
    ]
    write_responses(
        shop,
        [{"at": at, "touchpoint": None, "answers": [("nps", s, "")]} for at, s in rows],
    )
    rebuild_rollups(org_a)
    period = Period(date(2026, 3, 28), date(2026, 4, 1))
    days = both(org_a, "nps", Filters(period), "day")
    assert [g.value.n for g in days.groups] == [1, 2, 1, 1, 1]
    weeks = both(org_a, "nps", Filters(period), "week")
    assert [(g.key, g.value.n) for g in weeks.groups] == [("2026-W13", 3), ("2026-W14", 3)]
    months = both(org_a, "nps", Filters(period), "month")
    assert [(g.key, g.value.n) for g in months.groups] == [("2026-03", 5), ("2026-04", 1)]
    assert months.groups[0].label == "March 2026" and weeks.groups[0].label == "Week 13, 2026"
    assert days.groups[0].key == "2026-03-28"
