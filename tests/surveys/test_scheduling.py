"""The delivery rules as pure functions: no database, a fixed "now" for each case."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from phonenumbers import timezone as phone_timezones

from surveys.models import ConsentBasis, invitation_priority
from surveys.scheduling import (
    Past,
    Person,
    Plan,
    Policy,
    decide,
    in_window,
    is_holiday,
    next_opening,
    person_zone,
    phone_zone,
)

PARIS = ZoneInfo("Europe/Paris")
SMS_WINDOW = {"days": [0, 1, 2, 3, 4, 5], "start": "08:00", "end": "20:00", "holidays": True}
POLICY = Policy(
    organization_zone="Europe/Paris",
    country="FR",
    consent_basis={"sms": ConsentBasis.OPT_IN, "email": ConsentBasis.LEGITIMATE_INTEREST},
    windows={"sms": SMS_WINDOW, "email": None},
)
LEA = Person(
    id=1,
    key="c-1",
    email="lea@example.test",
    phone="+33612345678",
    time_zone="Europe/Paris",
    consented=frozenset({"sms"}),
)


def paris(*args) -> datetime:
    return datetime(*args, tzinfo=PARIS)


def hot(at: datetime, channels=("sms", "email"), max_delay=timedelta(hours=24), **extra) -> Plan:
    fields = {
        "kind": "hot",
        "channels": channels,
        "priority": invitation_priority("hot", 50),
        "intended_at": at,
        "deadline": at + max_delay,
        "rule_id": 7,
    }
    return Plan(**{**fields, **extra})


def past(kind="hot", state="sent", days_ago=1, now=None, priority=None, rule_id=9, contact_id=1):
    moment = (now or paris(2026, 3, 10, 10)) - timedelta(days=days_ago)
    return Past(
        id=100 + days_ago,
        kind=kind,
        state=state,
        priority=priority if priority is not None else invitation_priority(kind),
        send_at=moment,
        created_at=moment,
        rule_id=rule_id,
        contact_id=contact_id,
    )


def decide_now(now, plan=None, person=LEA, history=(), account=(), policy=POLICY):
    return decide(person, plan or hot(now), list(history), list(account), policy, now)


# --------------------------------------------------------------------------------------------
# Sending window, time zones, holidays
# --------------------------------------------------------------------------------------------


def test_inside_the_window_a_hot_sms_goes_at_once():
    now = paris(2026, 3, 10, 10)  # Tuesday
    decision = decide_now(now)
    assert (decision.state, decision.channel, decision.send_at) == ("scheduled", "sms", now)


@pytest.mark.parametrize(
    ("moment", "inside"),
    [
        (paris(2026, 3, 10, 7, 59, 59), False),
        (paris(2026, 3, 10, 8, 0), True),
        (paris(2026, 3, 10, 19, 59, 59), True),
        (paris(2026, 3, 10, 20, 0), False),
        (paris(2026, 3, 14, 12), True),  # Saturday
        (paris(2026, 3, 15, 12), False),  # Sunday
        (paris(2026, 7, 14, 12), False),  # Bastille Day, a Tuesday
    ],
)
def test_window_edges(moment, inside):
    assert in_window(moment, SMS_WINDOW, PARIS, "FR") is inside


def test_at_night_a_hot_sms_waits_for_the_morning_within_its_maximum_delay():
    now = paris(2026, 3, 10, 21, 30)
    decision = decide_now(now)
    assert (decision.channel, decision.send_at) == ("sms", paris(2026, 3, 11, 8, 0))


def test_when_the_next_opening_is_too_late_it_falls_back_to_email():
    now = paris(2026, 3, 14, 21)  # Saturday night: Monday 08:00 is 35 h away
    decision = decide_now(now)
    assert (decision.channel, decision.send_at) == ("email", now)


def test_without_an_allowed_fallback_it_is_suppressed_outside_the_window():
    now = paris(2026, 3, 14, 21)
    decision = decide_now(now, hot(now, channels=("sms",)))
    assert (decision.state, decision.reason) == ("suppressed", "outside_window")


def test_a_public_holiday_is_skipped():
    now = paris(2026, 7, 13, 21)  # Monday night, Tuesday 14 July is a holiday
    decision = decide_now(now, hot(now, max_delay=timedelta(days=3)))
    assert decision.send_at == paris(2026, 7, 15, 8, 0)
    assert is_holiday("FR", date(2026, 7, 14))
    assert not is_holiday("GB", date(2026, 7, 14))


def test_the_contacts_own_time_zone_decides():
    montreal = Person(
        id=2,
        key="c-2",
        phone="+15145550123",
        time_zone="America/Montreal",
        consented=frozenset({"sms"}),
    )
    now = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)  # 14:00 in Paris, 09:00 in Montreal
    assert decide_now(now, person=montreal).send_at == now
    early = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)  # 07:00 in Montreal
    placed = decide_now(early, person=montreal).send_at
    assert placed.astimezone(ZoneInfo("America/Montreal")).hour == 8


def test_without_a_time_zone_the_phone_numbers_country_decides():
    person = Person(id=3, key="c-3", phone="+442079460000", consented=frozenset({"sms"}))
    assert person_zone(person, POLICY) == ZoneInfo("Europe/London")
    nobody = Person(id=4, key="c-4", email="x@example.test")
    assert person_zone(nobody, POLICY) == PARIS


def test_the_window_opens_at_08_00_local_on_daylight_saving_days():
    # 29 March 2026: clocks go forward in Paris (Sunday); Monday opens at 08:00 CEST = 06:00 UTC.
    opening = next_opening(paris(2026, 3, 28, 21), SMS_WINDOW, PARIS, "FR")
    assert opening == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    # 25 October 2026: back to CET; Monday opens at 08:00 CET = 07:00 UTC.
    opening = next_opening(paris(2026, 10, 24, 21), SMS_WINDOW, PARIS, "FR")
    assert opening == datetime(2026, 10, 26, 7, 0, tzinfo=UTC)


ZONES = ["Europe/Paris", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    # Hypothesis takes naive bounds and attaches the time zones it is given.
    moment=st.datetimes(
        min_value=datetime(2025, 1, 1),  # noqa: DTZ001
        max_value=datetime(2028, 12, 31),  # noqa: DTZ001
        timezones=st.just(UTC),
    ),
    zone=st.sampled_from(ZONES),
    days=st.sets(st.integers(0, 6), min_size=1),
    start_hour=st.integers(0, 22),
    length=st.integers(1, 12),
    country=st.sampled_from(["FR", "US", "AU", "IN", ""]),
)
def test_no_invitation_is_ever_scheduled_outside_the_window(
    moment, zone, days, start_hour, length, country
):
    end_hour = min(start_hour + length, 23)
    window = {
        "days": sorted(days),
        "start": f"{start_hour:02d}:00",
        "end": f"{end_hour:02d}:30",
        "holidays": True,
    }
    person = Person(
        id=1, key="p", phone="+33612345678", time_zone=zone, consented=frozenset({"sms"})
    )
    policy = Policy(organization_zone=zone, country=country, windows={"sms": window})
    plan = hot(moment, channels=("sms",), max_delay=timedelta(days=30))
    decision = decide(person, plan, [], [], policy, moment)
    if decision.scheduled:
        assert decision.send_at >= moment
        assert in_window(decision.send_at, window, ZoneInfo(zone), country)
    else:
        assert decision.reason == "outside_window"


# --------------------------------------------------------------------------------------------
# Consent, opt-outs, addresses: channel fallback
# --------------------------------------------------------------------------------------------


def test_sms_needs_opt_in_so_an_unconsented_phone_falls_back_to_email():
    now = paris(2026, 3, 10, 10)
    person = Person(id=5, key="c-5", phone="+33612345678", email="x@example.test")
    decision = decide_now(now, person=person)
    assert decision.channel == "email"


def test_an_opted_out_sms_falls_back_to_email_and_both_opted_out_says_why():
    now = paris(2026, 3, 10, 10)
    person = Person(
        id=6,
        key="c-6",
        phone="+33612345678",
        email="x@example.test",
        consented=frozenset({"sms"}),
        opted_out=frozenset({"sms"}),
    )
    assert decide_now(now, person=person).channel == "email"
    both = Person(
        id=6,
        key="c-6",
        phone="+33612345678",
        email="x@example.test",
        consented=frozenset({"sms"}),
        opted_out=frozenset({"sms", "email"}),
    )
    assert decide_now(now, person=both).reason == "opted_out"


def test_a_missing_address_falls_back_and_no_address_at_all_says_so():
    now = paris(2026, 3, 10, 10)
    email_only = Person(id=7, key="c-7", email="x@example.test")
    assert decide_now(now, person=email_only).channel == "email"
    nothing = Person(id=8, key="c-8")
    assert decide_now(now, person=nothing).reason == "no_address"
    phone_no_consent = Person(id=9, key="c-9", phone="+33612345678")
    assert decide_now(now, hot(now, channels=("sms",)), person=phone_no_consent).reason == (
        "no_consent"
    )


def test_email_under_opt_in_needs_consent():
    now = paris(2026, 3, 10, 10)
    policy = Policy(consent_basis={"sms": "opt_in", "email": "opt_in"}, windows={})
    person = Person(id=10, key="c-10", email="x@example.test")
    assert decide_now(now, hot(now, channels=("email",)), person=person, policy=policy).reason == (
        "no_consent"
    )


def test_an_erased_contact_is_never_invited():
    now = paris(2026, 3, 10, 10)
    erased = Person(id=11, key="c-11", erased=True)
    assert decide_now(now, person=erased).reason == "erased"


# --------------------------------------------------------------------------------------------
# Fatigue, priorities, exemptions, account cap, cold cap, de-duplication
# --------------------------------------------------------------------------------------------


def test_one_survey_per_person_per_30_days_across_touchpoints():
    now = paris(2026, 3, 10, 10)
    assert decide_now(now, history=[past(days_ago=29, now=now)]).reason == "fatigue"
    assert decide_now(now, history=[past(days_ago=31, now=now)]).scheduled


def test_suppressed_and_reminder_invitations_do_not_spend_the_budget():
    now = paris(2026, 3, 10, 10)
    history = [past(state="suppressed", now=now), past(kind="reminder", now=now)]
    assert decide_now(now, history=history).scheduled


def test_a_hot_survey_replaces_a_pending_warm_one():
    now = paris(2026, 3, 10, 10)
    pending_warm = past(kind="warm", state="scheduled", days_ago=-2, now=now)
    decision = decide_now(now, history=[pending_warm])
    assert decision.scheduled
    assert decision.replaces == (pending_warm,)


def test_a_sent_warm_survey_is_not_replaced_and_a_pending_hot_one_is_not_replaced_by_warm():
    now = paris(2026, 3, 10, 10)
    sent_warm = past(kind="warm", state="sent", days_ago=1, now=now)
    assert decide_now(now, history=[sent_warm]).reason == "fatigue"
    pending_hot = past(kind="hot", state="scheduled", days_ago=0, now=now)
    warm = hot(now, kind="warm", priority=invitation_priority("warm", 100))
    assert decide_now(now, warm, history=[pending_hot]).reason == "fatigue"


def test_within_hot_surveys_the_rules_priority_decides():
    now = paris(2026, 3, 10, 10)
    pending = past(
        kind="hot", state="scheduled", days_ago=0, now=now, priority=invitation_priority("hot", 40)
    )
    stronger = hot(now, priority=invitation_priority("hot", 80))
    assert decide_now(now, stronger, history=[pending]).replaces == (pending,)
    weaker = hot(now, priority=invitation_priority("hot", 30))
    assert decide_now(now, weaker, history=[pending]).reason == "fatigue"


def test_fatigue_may_depend_on_a_contact_attribute():
    now = paris(2026, 3, 10, 10)
    policy = Policy(
        consent_basis=POLICY.consent_basis,
        windows=POLICY.windows,
        fatigue_rules=({"attribute": "tier", "value": "vip", "days": 90},),
    )
    vip = Person(id=12, key="c-12", email="v@example.test", attributes={"tier": "vip"})
    history = [past(days_ago=60, now=now, contact_id=12)]
    assert decide_now(now, person=vip, history=history, policy=policy).reason == "fatigue"
    regular = Person(id=13, key="c-13", email="r@example.test", attributes={"tier": "std"})
    assert decide_now(now, person=regular, history=history, policy=policy).scheduled


def test_the_recovery_check_is_exempt_but_counted_and_the_reminder_is_exempt():
    now = paris(2026, 3, 10, 10)
    history = [past(days_ago=1, now=now)]
    recovery = hot(now, kind="recovery", priority=invitation_priority("recovery"))
    assert decide_now(now, recovery, history=history).scheduled
    reminder = hot(now, kind="reminder", priority=invitation_priority("reminder"), rule_id=None)
    assert decide_now(now, reminder, history=history).scheduled
    counted = [past(kind="recovery", days_ago=1, now=now)]
    assert decide_now(now, history=counted).reason == "fatigue"


def test_the_account_cap_holds_across_contacts_of_one_account():
    now = paris(2026, 3, 10, 10)
    policy = Policy(consent_basis=POLICY.consent_basis, windows=POLICY.windows, account_cap_days=30)
    colleague = past(days_ago=5, now=now, contact_id=99)
    buyer = Person(id=14, key="c-14", email="b@example.test", attributes={"account": "acme"})
    decision = decide_now(now, person=buyer, account=[colleague], policy=policy)
    assert decision.reason == "account_cap"
    without_cap = decide_now(now, person=buyer, account=[colleague])
    assert without_cap.scheduled


def test_at_most_two_cold_surveys_a_year():
    now = paris(2026, 3, 10, 10)
    cold = hot(
        now,
        kind="cold",
        priority=invitation_priority("cold"),
        rule_id=None,
        max_delay=timedelta(days=7),
    )
    twice = [past(kind="cold", days_ago=300, now=now), past(kind="cold", days_ago=120, now=now)]
    assert decide_now(now, cold, history=twice).reason == "cold_cap"
    once_this_year = [past(kind="cold", days_ago=400, now=now), twice[1]]
    assert decide_now(now, cold, history=once_this_year).scheduled


def test_one_invitation_per_rule_per_person_per_24_hours():
    now = paris(2026, 3, 10, 10)
    same_rule = past(days_ago=0, now=now, rule_id=7)
    assert decide_now(now, history=[same_rule]).reason == "duplicate"
    yesterday = past(days_ago=2, now=now, rule_id=7)
    assert decide_now(now, history=[yesterday]).reason == "fatigue"  # not a duplicate any more


# --------------------------------------------------------------------------------------------
# Sampling and segments
# --------------------------------------------------------------------------------------------


def test_sampling_is_stable_per_contact_and_close_to_the_percentage():
    now = paris(2026, 3, 10, 10)
    plan = hot(now, sampling_percent=30, sampling_salt="salt")
    people = [Person(id=n, key=f"c-{n}", email=f"{n}@example.test") for n in range(2000)]
    first = [decide_now(now, plan, person=p).scheduled for p in people]
    again = [decide_now(now, plan, person=p).scheduled for p in people]
    assert first == again
    assert 0.26 < sum(first) / len(first) < 0.34
    other_rule = hot(now, sampling_percent=30, sampling_salt="salt", rule_id=8)
    assert [decide_now(now, other_rule, person=p).scheduled for p in people] != first


def test_a_rule_with_a_segment_only_invites_its_members():
    now = paris(2026, 3, 10, 10)
    plan = hot(now, segment_id=3)
    member = Person(id=15, key="c-15", email="m@example.test", in_segments=frozenset({3}))
    outsider = Person(id=16, key="c-16", email="o@example.test")
    assert decide_now(now, plan, person=member).scheduled
    assert decide_now(now, plan, person=outsider).reason == "not_in_segment"


def test_a_stale_event_is_suppressed_first():
    now = paris(2026, 3, 10, 10)
    plan = hot(now - timedelta(hours=25))
    assert decide_now(now, plan).reason == "stale_event"


def full_parse_zone(phone: str) -> str:
    """What phone_zone answered before its calling-code short-cut: a full parse."""
    zones = phone_timezones.time_zones_for_number(phonenumbers.parse(phone, None))
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else ""


def test_phone_zone_short_cut_agrees_with_a_full_parse_for_every_country():
    checked = set()
    for region in phonenumbers.SUPPORTED_REGIONS:
        for number_type in range(12):
            number = phonenumbers.example_number_for_type(region, number_type)
            if number is None:
                continue
            phone = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            assert phone_zone(phone) == full_parse_zone(phone), (region, number_type, phone)
            checked.add(phone)
    assert len(checked) > 700
    assert phone_zone("+33612345678") == "Europe/Paris"  # one zone: the short-cut
    assert phone_zone("+12015550123") == "America/New_York"  # several: parsed
    assert phone_zone("+61412345678") == ""  # an Australian mobile: which zone is unknown
