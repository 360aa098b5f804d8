"""Rollups follow the raw data: a refresh picks up what changed, a rebuild is idempotent."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from surveys import tasks
from surveys.metrics import Filters, Period, measure
from surveys.models import AnswerRollup, Invitation, InvitationRollup, RollupCursor
from surveys.rollups import day_runs, rebuild_rollups, recompute_days, refresh_rollups
from tests.surveys.metrics_fixtures import (
    local,
    make_shop,
    write_interactions,
    write_invitations,
    write_responses,
)
from tests.tenancy.conftest import organization_form_data

pytestmark = pytest.mark.django_db


def rollup_rows(organization) -> tuple[list, list]:
    """Every rollup row of the organization, without ids, sorted."""
    fields = ("day", "touchpoint_id", "channel", "metric", "scale_min", "scale_max", "score")
    answers = AnswerRollup.objects.unscoped().filter(organization=organization)
    invitations = InvitationRollup.objects.unscoped().filter(organization=organization)
    return (
        sorted(answers.values_list(*fields, "count"), key=str),
        sorted(
            invitations.values_list("day", "touchpoint_id", "channel", "state", "count"), key=str
        ),
    )


@pytest.fixture
def shop(org_a, manager_a):
    return make_shop(org_a, manager_a)


def a_response(shop, at, score=9, touchpoint=0, channel="sms", **fields):
    return {
        "at": at,
        "touchpoint": shop.touchpoints[touchpoint],
        "channel": channel,
        "answers": [("nps", score, ""), ("csat", 4, "")],
        **fields,
    }


def test_a_rebuild_counts_answers_on_their_local_day(shop, org_a):
    # 23:30 in Paris on 28 March is 22:30 UTC the same day; 00:30 on 30 March (summer time) is
    # 22:30 UTC on the 29th: each counts on its Paris day.
    write_responses(
        shop,
        [
            a_response(shop, local(2026, 3, 28, 23, 30), score=10),
            a_response(shop, local(2026, 3, 30, 0, 30), score=3, channel="email"),
        ],
    )
    result = rebuild_rollups(org_a)
    assert result.organizations == ["alpha"] and result.answer_rows == 4
    answers, _invitations = rollup_rows(org_a)
    nps = [row for row in answers if row[3] == "nps"]
    tp = shop.touchpoints[0].pk
    assert nps == [
        (date(2026, 3, 28), tp, "sms", "nps", 0, 10, 10, 1),
        (date(2026, 3, 30), tp, "email", "nps", 0, 10, 3, 1),
    ]


def test_a_rebuild_is_idempotent(shop, org_a, org_b):
    contact = shop.contacts[0]
    write_responses(shop, [a_response(shop, local(2026, 3, 2, 12), score=s) for s in (1, 9, 9)])
    write_invitations(
        shop,
        [
            {"touchpoint": shop.touchpoints[0], "contact": contact, "state": state, "sent_at": at}
            for state, at in (
                ("answered", local(2026, 3, 2, 9)),
                ("sent", local(2026, 3, 2, 9)),
                ("scheduled", None),
            )
        ],
    )
    first = rebuild_rollups(org_a)
    rows = rollup_rows(org_a)
    second = rebuild_rollups(org_a)
    assert rollup_rows(org_a) == rows
    assert (first.answer_rows, first.invitation_rows) == (second.answer_rows, 2)
    assert rows[1] == [
        (date(2026, 3, 2), shop.touchpoints[0].pk, "sms", "answered", 1),
        (date(2026, 3, 2), shop.touchpoints[0].pk, "sms", "sent", 1),
    ]
    everyone = rebuild_rollups()
    assert set(everyone.organizations) == {"alpha", "beta"}
    assert rollup_rows(org_a) == rows


def test_a_refresh_picks_up_a_new_answer_and_an_invitation_state_change(shop, org_a):
    contact = shop.contacts[0]
    (interaction,) = write_interactions(shop, [(shop.touchpoints[0], contact, {})])
    (invitation,) = write_invitations(
        shop,
        [
            {
                "touchpoint": shop.touchpoints[0],
                "contact": contact,
                "state": "delivered",
                "sent_at": timezone.now() - timedelta(days=3),
                "interaction": interaction,
            }
        ],
    )
    first = refresh_rollups()
    assert first.rebuilt  # no cursor yet: everything
    assert RollupCursor.objects.filter(position__isnull=False).count() == 2

    period = Period.last_days(org_a, 7)
    before = measure(org_a, "nps", Filters(period), source="rollups")
    assert before.overall.n == 0 and before.response_rate.answered == 0
    assert before.response_rate.base == 1

    write_responses(shop, [a_response(shop, timezone.now(), score=10, invitation=invitation)])
    Invitation.objects.unscoped().filter(pk=invitation).update(
        state="answered", state_changed_at=timezone.now()
    )
    result = refresh_rollups()
    assert not result.rebuilt and not result.skipped
    assert list(result.days) == ["alpha"] and len(result.days["alpha"]) == 2

    after = measure(org_a, "nps", Filters(period), source="rollups")
    assert after.overall.n == 1 and after.overall.value == 100
    assert (after.response_rate.answered, after.response_rate.base) == (1, 1)
    raw = measure(org_a, "nps", Filters(period), source="raw")
    assert (raw.overall, raw.response_rate) == (after.overall, after.response_rate)


def test_a_refresh_with_nothing_new_recomputes_nothing(shop, org_a):
    refresh_rollups()
    later = timezone.now() + timedelta(minutes=10)
    assert refresh_rollups(now=later).days == {}
    # The cursor moved to the pass's start.
    assert set(RollupCursor.objects.values_list("position", flat=True)) == {later}


def test_recomputing_days_replaces_only_those_days(shop, org_a):
    write_responses(
        shop,
        [a_response(shop, local(2026, 3, day, 12)) for day in (1, 2, 3)],
    )
    rebuild_rollups(org_a)
    AnswerRollup.objects.unscoped().filter(day=date(2026, 3, 2)).update(count=99)
    AnswerRollup.objects.unscoped().filter(day=date(2026, 3, 3)).update(count=77)
    recompute_days(org_a, [date(2026, 3, 2)])
    counts = dict(AnswerRollup.objects.unscoped().filter(metric="nps").values_list("day", "count"))
    assert counts == {date(2026, 3, 1): 1, date(2026, 3, 2): 1, date(2026, 3, 3): 77}


def test_day_runs_join_consecutive_days():
    d = date(2026, 3, 1)
    days = [d, d + timedelta(days=1), d + timedelta(days=2), d + timedelta(days=9), d]
    assert day_runs(days) == [
        (d, d + timedelta(days=2)),
        (d + timedelta(days=9), d + timedelta(days=9)),
    ]


def test_the_task_refreshes(shop, org_a):
    write_responses(shop, [a_response(shop, timezone.now())])
    tasks.refresh_rollups()
    assert AnswerRollup.objects.unscoped().filter(organization=org_a).exists()


def test_the_command_rebuilds_one_organization_or_every_one(shop, org_a, org_b):
    write_responses(shop, [a_response(shop, local(2026, 3, 2, 12))])
    out = StringIO()
    call_command("rebuild_rollups", "--organization", "alpha", stdout=out)
    assert "rebuilt: alpha" in out.getvalue() and "beta" not in out.getvalue()
    assert "2 answer rollup row(s)" in out.getvalue()
    rows = rollup_rows(org_a)
    out = StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "rebuilt: alpha" in out.getvalue() and "rebuilt: beta" in out.getvalue()
    assert rollup_rows(org_a) == rows
    with pytest.raises(CommandError, match="No organization"):
        call_command("rebuild_rollups", "--organization", "nowhere")


def test_the_beat_refreshes_every_30_seconds(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-rollups"]
    assert entry == {"task": "surveys.tasks.refresh_rollups", "schedule": 30.0}


@pytest.mark.django_db(transaction=True)
def test_a_new_time_zone_moves_every_answer_to_its_new_local_day(shop, org_a, admin_a, client):
    # 00:30 in Paris on 3 March is 23:30 UTC on 2 March: in London it is the 2nd's answer.
    write_responses(shop, [a_response(shop, local(2026, 3, 3, 0, 30), score=10)])
    rebuild_rollups(org_a)
    assert {row[0] for row in rollup_rows(org_a)[0]} == {date(2026, 3, 3)}
    form = organization_form_data(org_a, time_zone="Europe/London")
    client.force_login(admin_a)
    assert client.post("/o/alpha/settings/", form).status_code == 302
    # The settings page's commit sends organization_updated; the (eager) task rebuilds.
    assert {row[0] for row in rollup_rows(org_a)[0]} == {date(2026, 3, 2)}
