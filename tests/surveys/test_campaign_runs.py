"""Cold campaigns materialize their invitations in resumable batches at their scheduled date."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from surveys import campaigns
from surveys.models import Campaign, CampaignRun, Invitation
from surveys.tasks import start_due_campaigns
from vocapp.contacts.models import AddressOptOut, Contact, Segment
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope

MONDAY = datetime(2026, 3, 9, 6, 0, tzinfo=UTC)  # 07:00 in Paris


def make_contacts(organization, count, **fields):
    with organization_scope(organization):
        Contact.objects.bulk_create(
            Contact(
                organization=organization,
                external_id=f"k-{n}",
                email=f"k{n}@example.test",
                attributes={"tier": "vip" if n % 2 else "std"},
                **fields,
            )
            for n in range(count)
        )


@pytest.fixture
def barometer(org_a, nps_survey):
    return in_scope(
        org_a,
        lambda: Campaign.objects.create(
            name="Barometer",
            survey=nps_survey,
            channels=["email"],
            starts_on=date(2026, 3, 9),
            repeat_every_days=182,
        ),
    )


def run_of(campaign):
    with organization_scope(campaign.organization):
        return CampaignRun.objects.select_related("campaign__survey").get(campaign=campaign)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 3, 8), None),
        (date(2026, 3, 9), date(2026, 3, 9)),
        (date(2026, 9, 6), date(2026, 3, 9)),
        (date(2026, 9, 7), date(2026, 9, 7)),
    ],
)
def test_the_due_occurrence_of_a_repeating_campaign(barometer, today, expected):
    assert campaigns.due_date(barometer, today) == expected


def test_a_due_campaign_opens_one_run_however_often_beat_runs(barometer, org_a):
    with time_machine.travel(MONDAY, tick=False):
        start_due_campaigns.apply()  # eager: the run is also materialized
        start_due_campaigns.apply()
    with organization_scope(org_a):
        assert CampaignRun.objects.filter(campaign=barometer).count() == 1


def test_not_yet_due_opens_nothing(barometer, org_a):
    with time_machine.travel(MONDAY - timedelta(days=1), tick=False):
        assert campaigns.start_due_runs(datetime.now(UTC)) == []


def test_the_run_plans_every_contact_in_batches_with_progress(barometer, org_a, monkeypatch):
    monkeypatch.setattr(campaigns, "BATCH", 100)
    make_contacts(org_a, 250)
    with time_machine.travel(MONDAY, tick=False):
        [run] = campaigns.start_due_runs(datetime.now(UTC))
        with organization_scope(org_a):
            run = campaigns.materialize(run_of(barometer))
            invitations = list(Invitation.objects.filter(campaign=barometer))
    assert (run.status, run.total, run.processed, run.progress_percent) == ("done", 250, 250, 100)
    assert run.scheduled_count == 250 and len(invitations) == 250
    assert {i.kind for i in invitations} == {"cold"}
    # Asked in the morning of its day, in the organization's time zone (09:00 in Paris).
    assert {i.send_at for i in invitations} == {datetime(2026, 3, 9, 8, 0, tzinfo=UTC)}


def test_a_crashed_run_resumes_after_its_last_batch_and_plans_nothing_twice(
    barometer, org_a, monkeypatch
):
    monkeypatch.setattr(campaigns, "BATCH", 100)
    make_contacts(org_a, 250)
    now = MONDAY
    with time_machine.travel(now, tick=False), organization_scope(org_a):
        [run] = campaigns.start_due_runs(now)
        run = run_of(barometer)
        run.total = 250
        version = campaigns.current_version_id(barometer)
        assert campaigns.plan_next_batch(run, barometer, version, now)  # then the worker dies
        stale_copy = run_of(barometer)
        resumed = campaigns.materialize(run_of(barometer))
        # A second worker holding the old cursor does nothing.
        stale_copy.cursor = 0
        assert not campaigns.plan_next_batch(stale_copy, barometer, version, now)
        assert Invitation.objects.filter(campaign=barometer).count() == 250
        assert Invitation.objects.values("contact").distinct().count() == 250
    assert (resumed.processed, resumed.status) == (250, "done")


def test_stalled_runs_are_handed_out_again(barometer, org_a):
    with time_machine.travel(MONDAY, tick=False):
        [run] = campaigns.start_due_runs(datetime.now(UTC))
    with time_machine.travel(MONDAY + timedelta(minutes=5), tick=False):
        assert [r.pk for r in campaigns.start_due_runs(datetime.now(UTC))] == [run.pk]


def test_segment_and_sample_size(barometer, org_a):
    make_contacts(org_a, 400)
    with organization_scope(org_a):
        vip = Segment.objects.create(
            name="VIP", conditions=[{"attribute": "tier", "op": "eq", "value": "vip"}]
        )
        from vocapp.contacts.models import AttributeDefinition

        AttributeDefinition.objects.create(name="tier")
        barometer.segment = vip
        barometer.sample_size = 100
        barometer.save()
    with time_machine.travel(MONDAY, tick=False):
        campaigns.start_due_runs(datetime.now(UTC))
        with organization_scope(org_a):
            run = campaigns.materialize(run_of(barometer))
            asked = Invitation.objects.filter(campaign=barometer, state="scheduled")
            assert {i.contact.attributes["tier"] for i in asked.select_related("contact")} == {
                "vip"
            }
    assert run.total == 200
    assert 70 <= run.scheduled_count <= 130
    assert run.suppressed_count == 200 - run.scheduled_count


def test_the_cold_cap_holds_for_someone_asked_twice_this_year(barometer, org_a):
    make_contacts(org_a, 1)
    with organization_scope(org_a):
        contact = Contact.objects.get()
        version = barometer.survey.current_version
        for days in (300, 100):
            Invitation.objects.create(
                contact=contact,
                campaign=barometer,
                survey_version=version,
                kind="cold",
                state="answered",
                send_at=MONDAY - timedelta(days=days),
            )
    with time_machine.travel(MONDAY, tick=False):
        campaigns.start_due_runs(datetime.now(UTC))
        with organization_scope(org_a):
            campaigns.materialize(run_of(barometer))
            latest = Invitation.objects.filter(campaign=barometer).order_by("-pk").first()
    assert (latest.state, latest.reason) == ("suppressed", "cold_cap")


def test_an_address_opted_out_under_another_record_is_not_asked(barometer, org_a):
    make_contacts(org_a, 2)
    with organization_scope(org_a):
        AddressOptOut.objects.create(channel="email", address="k0@example.test", source="manual")
    with time_machine.travel(MONDAY, tick=False):
        campaigns.start_due_runs(datetime.now(UTC))
        with organization_scope(org_a):
            campaigns.materialize(run_of(barometer))
            decided = {
                i.contact.external_id: (i.state, i.reason)
                for i in Invitation.objects.filter(campaign=barometer).select_related("contact")
            }
    assert decided == {"k-0": ("suppressed", "opted_out"), "k-1": ("scheduled", "")}
