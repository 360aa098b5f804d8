"""Whether, when and on which channel to invite a person: ARCHITECTURE.md's delivery rules.

Pure functions: they take what is known of the person, the rule and the organization's policy as
plain values (``Person``, ``Plan``, ``Past``, ``Policy``) and return a ``Decision``; they never
query. ``surveys.ingestion`` and ``surveys.campaigns`` load those values in a few queries per
batch, call ``decide`` for each (person, rule) and store the decisions. The sending side checks
the same rules again with the same functions.

Order of the checks (the first that fails is the reason kept): erased, stale event, segment,
sampling, de-duplication, channels (address, opt-out, consent), cold cap, fatigue, account cap,
sending window.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
import phonenumbers
from phonenumbers import timezone as phone_timezones
from phonenumbers.tzdata import TIMEZONE_DATA

from .models.delivery import COUNTED_STATES, ConsentBasis, SuppressionReason

CHANNELS = ("sms", "email")
YEAR = timedelta(days=365)
# How far ahead the next opening of a window is looked for (a week always has one, holidays aside).
WINDOW_SEARCH_DAYS = 21


@dataclass(frozen=True)
class Person:
    """What scheduling knows of a contact."""

    id: int
    key: str  # stable per contact: the sampling hash uses it
    email: str = ""
    phone: str = ""
    time_zone: str = ""
    attributes: dict = field(default_factory=dict)
    consented: frozenset = frozenset()  # channels with recorded consent
    opted_out: frozenset = frozenset()  # channels opted out (contact or address)
    erased: bool = False
    in_segments: frozenset = frozenset()  # ids of the rule segments the person matches


@dataclass(frozen=True)
class Plan:
    """What one rule or campaign asks for this person."""

    kind: str  # hot, warm, cold, reminder, recovery
    channels: tuple  # in order of preference
    priority: int  # invitation_priority(kind, rule priority)
    intended_at: datetime  # when the rule wants it sent (interaction + delay, or the run)
    deadline: datetime  # latest acceptable sending
    rule_id: int | None = None
    segment_id: int | None = None
    sampling_percent: float = 100
    sampling_salt: str = ""


@dataclass(frozen=True)
class Past:
    """An invitation the person (or their account) already has."""

    id: int | None
    kind: str
    state: str
    priority: int
    send_at: datetime | None
    created_at: datetime
    rule_id: int | None = None
    contact_id: int | None = None


@dataclass(frozen=True)
class Policy:
    """The organization's delivery policy, as plain values (see DeliveryPolicy)."""

    organization_zone: str = "UTC"
    country: str = "FR"
    consent_basis: dict = field(
        default_factory=lambda: {"sms": ConsentBasis.OPT_IN, "email": ConsentBasis.OPT_IN}
    )
    fatigue_days: int = 30
    fatigue_rules: tuple = ()
    account_attribute: str = "account"
    account_cap_days: int | None = None
    dedup_hours: int = 24
    cold_per_year: int = 2
    windows: dict = field(default_factory=dict)  # channel -> window dict or None

    @classmethod
    def of(cls, organization, delivery_policy) -> "Policy":
        return cls(
            organization_zone=organization.time_zone or "UTC",
            country=organization.country.code or "",
            consent_basis={
                "sms": delivery_policy.sms_consent_basis,
                "email": delivery_policy.email_consent_basis,
            },
            fatigue_days=delivery_policy.fatigue_days,
            fatigue_rules=tuple(delivery_policy.fatigue_rules or ()),
            account_attribute=delivery_policy.account_attribute,
            account_cap_days=delivery_policy.account_cap_days,
            dedup_hours=delivery_policy.dedup_hours,
            cold_per_year=delivery_policy.cold_per_year,
            windows={
                "sms": delivery_policy.sms_window,
                "email": delivery_policy.email_window,
            },
        )


@dataclass(frozen=True)
class Decision:
    state: str  # scheduled or suppressed
    reason: str = ""
    channel: str = ""
    send_at: datetime | None = None
    replaces: tuple = ()  # Past entries (pending, lower priority) this one takes the place of

    @property
    def scheduled(self) -> bool:
        return self.state == "scheduled"


def suppressed(reason: str, channel: str = "") -> Decision:
    return Decision("suppressed", reason=reason, channel=channel)


# --------------------------------------------------------------------------------------------
# The decision
# --------------------------------------------------------------------------------------------


def decide(person: Person, plan: Plan, past: list, account_past: list, policy: Policy, now):
    """The decision for one person and one rule or campaign, given what they already have."""
    channels, channel_reason = usable_channels(person, plan.channels, policy)
    gate = (
        (person.erased, SuppressionReason.ERASED),
        (now > plan.deadline, SuppressionReason.STALE_EVENT),
        (
            plan.segment_id is not None and plan.segment_id not in person.in_segments,
            SuppressionReason.NOT_IN_SEGMENT,
        ),
        (not is_sampled(plan, person), SuppressionReason.NOT_SAMPLED),
        (is_duplicate(plan, past, policy, now), SuppressionReason.DUPLICATE),
        (not channels, channel_reason),
        (plan.kind == "cold" and cold_cap_reached(past, policy, now), SuppressionReason.COLD_CAP),
    )
    for failed, reason in gate:
        if failed:
            return suppressed(reason)
    replaces = []
    if plan.kind not in FATIGUE_EXEMPT:
        budget = fatigue_days(person, policy)
        blocking = budget_holders(past, timedelta(days=budget), now)
        outcome = make_room(plan, blocking)
        if outcome is None:
            return suppressed(SuppressionReason.FATIGUE)
        replaces += outcome
        if policy.account_cap_days and account_key(person, policy):
            others = [p for p in account_past if p.contact_id != person.id]
            blocking = budget_holders(others, timedelta(days=policy.account_cap_days), now)
            outcome = make_room(plan, blocking)
            if outcome is None:
                return suppressed(SuppressionReason.ACCOUNT_CAP)
            replaces += outcome
    placed = place_in_window(person, plan, channels, policy, now)
    if placed is None:
        return suppressed(SuppressionReason.OUTSIDE_WINDOW)
    channel, send_at = placed
    return Decision("scheduled", channel=channel, send_at=send_at, replaces=tuple(replaces))


# The reminder and the SMS follow-up are exempt and not counted; the recovery check after a case
# is exempt but counted (ARCHITECTURE.md).
FATIGUE_EXEMPT = frozenset({"reminder", "recovery"})
NOT_COUNTED = frozenset({"reminder"})


def is_sampled(plan: Plan, person: Person) -> bool:
    """Stable per contact and rule: the same person is always in, or always out, of a sample."""
    if plan.sampling_percent >= 100:
        return True
    seed = f"{plan.sampling_salt}:{plan.rule_id}:{person.key}".encode()
    bucket = int.from_bytes(hashlib.sha256(seed).digest()[:8], "big") % 10_000
    return bucket < plan.sampling_percent * 100


def is_duplicate(plan: Plan, past: list, policy: Policy, now) -> bool:
    if plan.rule_id is None:
        return False
    since = now - timedelta(hours=policy.dedup_hours)
    return any(
        p.rule_id == plan.rule_id and p.state in COUNTED_STATES and p.created_at > since
        for p in past
    )


def cold_cap_reached(past: list, policy: Policy, now) -> bool:
    cold = [
        p
        for p in past
        if p.kind == "cold"
        and p.state in COUNTED_STATES
        and (p.send_at or p.created_at) > now - YEAR
    ]
    return len(cold) >= policy.cold_per_year


def fatigue_days(person: Person, policy: Policy) -> int:
    """The person's budget: the first attribute rule that matches, else the organization's."""
    for rule in policy.fatigue_rules:
        value = person.attributes.get(rule.get("attribute"))
        if value is not None and str(value) == str(rule.get("value")):
            return int(rule["days"])
    return policy.fatigue_days


def account_key(person: Person, policy: Policy):
    value = person.attributes.get(policy.account_attribute) if policy.account_attribute else None
    return None if value in (None, "") else str(value)


def budget_holders(past: list, period: timedelta, now) -> list:
    """The invitations that spend the budget now: counted, sent or due within ``period``."""
    since = now - period
    return [
        p
        for p in past
        if p.kind not in NOT_COUNTED
        and p.state in COUNTED_STATES
        and (p.send_at or p.created_at) > since
    ]


def make_room(plan: Plan, blocking: list):
    """None when the budget is spent; else the pending lower-priority invitations to replace.

    A survey may take the place of invitations not yet sent whose priority is lower (a hot
    survey replaces a pending warm or cold one); anything already sent keeps the budget.
    """
    if all(p.state == "scheduled" and p.priority < plan.priority for p in blocking):
        return blocking
    return None


# --------------------------------------------------------------------------------------------
# Channels
# --------------------------------------------------------------------------------------------


def usable_channels(person: Person, wanted, policy: Policy) -> tuple[list, str]:
    """The rule's channels this person can be reached on, in order, and why none if empty.

    The reason is the one of the first channel the person has an address for (the most telling),
    else ``no_address``.
    """
    usable, reasons = [], []
    for channel in wanted:
        problem = channel_problem(person, channel, policy)
        if problem is None:
            usable.append(channel)
        elif problem != SuppressionReason.NO_ADDRESS:
            reasons.append(problem)
    return usable, (reasons[0] if reasons else SuppressionReason.NO_ADDRESS)


def channel_problem(person: Person, channel: str, policy: Policy):
    address = person.phone if channel == "sms" else person.email
    if not address:
        return SuppressionReason.NO_ADDRESS
    if channel in person.opted_out:
        return SuppressionReason.OPTED_OUT
    basis = policy.consent_basis.get(channel, ConsentBasis.OPT_IN)
    if basis == ConsentBasis.OPT_IN and channel not in person.consented:
        return SuppressionReason.NO_CONSENT
    return None


# --------------------------------------------------------------------------------------------
# Sending windows
# --------------------------------------------------------------------------------------------


def place_in_window(person: Person, plan: Plan, channels: list, policy: Policy, now):
    """(channel, send_at) on the first channel whose window opens before the deadline, or None.

    A survey goes at its intended time if the window is open, else at the next opening if that
    is before the deadline, else on the next channel (email usually has no window).
    """
    start = max(now, plan.intended_at)
    zone = person_zone(person, policy)
    for channel in channels:
        window = policy.windows.get(channel)
        opening = start if not window else next_opening(start, window, zone, policy.country)
        if opening is not None and opening <= plan.deadline:
            return channel, opening
    return None


def person_zone(person: Person, policy: Policy) -> ZoneInfo:
    """The contact's time zone, else the one of their phone number's country, else the org's."""
    # Lazily: the phone is only parsed for a contact without a usable time zone of their own.
    candidates = (
        lambda: person.time_zone,
        lambda: phone_zone(person.phone),
        lambda: policy.organization_zone,
    )
    for candidate in candidates:
        zone = zone_named(candidate())
        if zone is not None:
            return zone
    return ZoneInfo("UTC")


@lru_cache(maxsize=512)
def zone_named(name: str):
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


@lru_cache(maxsize=4096)
def phone_zone(phone: str) -> str:
    """The time zone of a number's country when it has only one (+33 → Europe/Paris)."""
    if not phone:
        return ""
    # Most countries have one zone: a look-up on the E.164 number's calling code answers them
    # without parsing it (parsing costs as much as the rest of the decision).
    if phone.startswith("+"):
        for length in (1, 2, 3):  # calling codes are prefix-free: at most one of these is one
            zone = single_zone_codes().get(phone[1 : 1 + length])
            if zone:
                return zone
    try:
        number = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        return ""
    zones = phone_timezones.time_zones_for_number(number)
    return zones[0] if len(zones) == 1 and zones[0] != "Etc/Unknown" else ""


@lru_cache(maxsize=1)
def single_zone_codes() -> dict[str, str]:
    """Calling codes all of whose numbers, of any prefix or type, are in one time zone."""
    zones_by_code = {str(code): set() for code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE}
    for prefix, zones in TIMEZONE_DATA.items():
        for code, found in zones_by_code.items():
            if prefix.startswith(code):
                found.add(zones)
    single = {}
    for code, found in zones_by_code.items():
        if len(found) == 1:
            (zones,) = found
            if len(zones) == 1 and zones[0] != "Etc/Unknown":
                single[code] = zones[0]
    return single


def in_window(moment: datetime, window: dict, zone: ZoneInfo, country: str) -> bool:
    local = moment.astimezone(zone)
    start, end = window_times(window)
    return (
        local.weekday() in window.get("days", ())
        and start <= local.time() < end
        and not (window.get("holidays") and is_holiday(country, local.date()))
    )


def next_opening(moment: datetime, window: dict, zone: ZoneInfo, country: str):
    """The first instant at or after ``moment`` inside the window, or None within three weeks."""
    if in_window(moment, window, zone, country):
        return moment
    start, _end = window_times(window)
    local_day = moment.astimezone(zone).date()
    for offset in range(WINDOW_SEARCH_DAYS + 1):
        day = local_day + timedelta(days=offset)
        # Wall-clock opening of that day; fold=0 picks the first of an ambiguous time, and a
        # time skipped by a clock change is normalised forward by the UTC round trip.
        opening = datetime.combine(day, start, tzinfo=zone).astimezone(ZoneInfo("UTC"))
        if opening >= moment and in_window(opening, window, zone, country):
            return opening
    return None


def window_times(window: dict) -> tuple[time, time]:
    return parse_times(window.get("start", "00:00"), window.get("end", "23:59"))


@lru_cache(maxsize=64)
def parse_times(start: str, end: str) -> tuple[time, time]:
    return time.fromisoformat(start), time.fromisoformat(end)


@lru_cache(maxsize=4096)
def is_holiday(country: str, day) -> bool:
    if not country:
        return False
    try:
        calendar = country_calendar(country, day.year)
    except NotImplementedError:  # a country the holidays package does not know
        return False
    return day in calendar


@lru_cache(maxsize=64)
def country_calendar(country: str, year: int):
    return holidays.country_holidays(country, years=year)


# --------------------------------------------------------------------------------------------
# Checked again at sending
# --------------------------------------------------------------------------------------------

# What sent invitations spend: the states in which a message left, or may have left.
WENT_OUT = frozenset({"sending", "sent", "delivered", "answered", "failed", "uncertain"})
# A reason found at sending names what changed since scheduling.
CHANGED_SINCE = {
    SuppressionReason.OPTED_OUT: SuppressionReason.OPTED_OUT_SINCE,
    SuppressionReason.NO_CONSENT: SuppressionReason.CONSENT_WITHDRAWN,
}


@dataclass(frozen=True)
class Pending:
    """A scheduled invitation about to be sent."""

    id: int
    kind: str
    channel: str
    send_at: datetime
    expires_at: datetime | None
    deadline: datetime | None  # the latest the rule accepts (None: until it expires)
    follows: int | None = None  # the failed invitation this one retries on another channel


@dataclass(frozen=True)
class Verdict:
    action: str  # send, suppress, expire or postpone
    reason: str = ""
    send_at: datetime | None = None


def check_at_sending(person: Person, pending: Pending, past: list, policy: Policy, now) -> Verdict:
    """Consent, opt-outs, fatigue and the window, again: what changed since scheduling wins."""
    if pending.expires_at and now >= pending.expires_at:
        return Verdict("expire")
    if person.erased:
        return Verdict("suppress", SuppressionReason.ERASED)
    problem = channel_problem(person, pending.channel, policy)
    if problem is not None:
        return Verdict("suppress", CHANGED_SINCE.get(problem, problem))
    if pending.kind not in FATIGUE_EXEMPT and spent_since(person, pending, past, policy, now):
        return Verdict("suppress", SuppressionReason.FATIGUE)
    window = policy.windows.get(pending.channel)
    if not window:
        return Verdict("send")
    zone = person_zone(person, policy)
    if in_window(now, window, zone, policy.country):
        return Verdict("send")
    opening = next_opening(now, window, zone, policy.country)
    latest = min(d for d in (pending.deadline, pending.expires_at, now + YEAR) if d is not None)
    if opening is not None and opening <= latest:
        return Verdict("postpone", send_at=opening)
    return Verdict("suppress", SuppressionReason.OUTSIDE_WINDOW)


def spent_since(person: Person, pending: Pending, past: list, policy: Policy, now) -> bool:
    """Whether another survey went out to this person within their fatigue budget meanwhile."""
    since = now - timedelta(days=fatigue_days(person, policy))
    return any(
        entry.id not in (pending.id, pending.follows)
        and entry.state in WENT_OUT
        and entry.kind not in NOT_COUNTED
        and entry.created_at > since
        and (entry.send_at or entry.created_at) <= now
        for entry in past
    )
