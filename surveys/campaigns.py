"""Cold campaigns: at their scheduled date, their invitations are planned in resumable batches.

A beat task (``start_due_campaigns``) opens one ``CampaignRun`` per campaign and date (a unique
constraint keeps it to one even with two beats) and hands it to a worker, which plans the
segment's contacts in batches of ``BATCH`` by ascending id. Each batch's invitations, the run's
counters and its cursor commit together, and only if the cursor is still where this worker
started: a crashed worker's run resumes after its last committed batch, and two workers never
plan a batch twice. Progress (processed / total) is what the campaign page shows.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from vocapp.contacts.models import Contact
from vocapp.contacts.segments import compile_conditions

from .models import Campaign, CampaignRun, CampaignRunStatus, SurveyVersion, invitation_priority
from .planning import Request, decide_batch
from .scheduling import Plan

BATCH = 1000
STALE_AFTER = timedelta(minutes=2)
# A barometer asks in the morning of its day; an SMS outside the window waits for it to open.
ASK_AT = time(9, 0)
SENDING_DAYS = timedelta(days=7)
EXPIRY = timedelta(days=14)


def due_date(campaign: Campaign, today):
    """The occurrence of the campaign that is due on ``today`` (the latest one passed), or None."""
    if campaign.starts_on > today:
        return None
    if not campaign.repeat_every_days:
        return campaign.starts_on
    waves = (today - campaign.starts_on).days // campaign.repeat_every_days
    return campaign.starts_on + timedelta(days=waves * campaign.repeat_every_days)


def start_due_runs(now) -> list[CampaignRun]:
    """Platform-wide: open the runs that are due and return them with the stalled ones."""
    campaigns = Campaign.objects.unscoped().filter(
        active=True, archived_at__isnull=True, starts_on__lte=now.date() + timedelta(days=1)
    )
    due = []
    for campaign in campaigns.select_related("organization"):
        zone = ZoneInfo(campaign.organization.time_zone or "UTC")
        day = due_date(campaign, now.astimezone(zone).date())
        if day is not None:
            due.append((campaign, day))
    existing = set(
        CampaignRun.objects.unscoped()
        .filter(campaign__in=[campaign for campaign, _ in due])
        .values_list("campaign_id", "scheduled_for")
    )
    opened = []
    for campaign, day in due:
        if (campaign.pk, day) in existing:
            continue
        try:
            with transaction.atomic():
                opened.append(
                    CampaignRun.objects.unscoped().create(
                        organization=campaign.organization, campaign=campaign, scheduled_for=day
                    )
                )
        except IntegrityError:  # another beat opened it first
            continue
    stalled = CampaignRun.objects.unscoped().filter(
        Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True),
        status=CampaignRunStatus.RUNNING,
        started_at__lt=now - STALE_AFTER,
    )
    return opened + list(stalled)


def audience(campaign: Campaign):
    """The contacts a campaign asks: its segment's (or everyone), never erased ones."""
    contacts = Contact.objects.filter(erased_at__isnull=True)
    if campaign.segment_id:
        contacts = contacts.filter(compile_conditions(campaign.segment.conditions))
    return contacts


def materialize(run: CampaignRun, now=None) -> CampaignRun:
    """Plan the rest of the run, batch after batch (in the organization's scope)."""
    campaign = run.campaign
    if run.status == CampaignRunStatus.DONE:
        return run
    if not run.total and not run.processed:
        run.total = audience(campaign).count()
        run.save(update_fields=["total"])
    version_id = current_version_id(campaign)
    while run.status == CampaignRunStatus.RUNNING:
        moment = now or timezone.now()
        if not plan_next_batch(run, campaign, version_id, moment):
            return run
    return run


def current_version_id(campaign: Campaign):
    number = campaign.survey.versions.aggregate(Max("number"))["number__max"]
    return SurveyVersion.objects.get(survey=campaign.survey, number=number).pk


def plan_next_batch(run: CampaignRun, campaign: Campaign, version_id: int, now) -> bool:
    """Plan one batch; False when another worker moved the run on (this one stops)."""
    with transaction.atomic():
        locked = CampaignRun.objects.select_for_update().get(pk=run.pk)
        if locked.cursor != run.cursor or locked.status != CampaignRunStatus.RUNNING:
            return False
        contacts = list(audience(campaign).filter(pk__gt=run.cursor).order_by("pk")[:BATCH])
        if not contacts:
            run.status, run.finished_at = CampaignRunStatus.DONE, now
        else:
            intended = max(now, asking_time(run))
            plans = [
                request_for(run, campaign, contact, version_id, intended) for contact in contacts
            ]
            decided = decide_batch(run.organization, plans, now)
            scheduled = sum(decision.scheduled for _, decision in decided)
            run.cursor = contacts[-1].pk
            run.processed += len(contacts)
            run.scheduled_count += scheduled
            run.suppressed_count += len(contacts) - scheduled
        run.heartbeat_at = now
        run.save()
    return True


def asking_time(run: CampaignRun) -> datetime:
    """The morning of the run's day in the organization's time zone."""
    zone = ZoneInfo(run.organization.time_zone or "UTC")
    return datetime.combine(run.scheduled_for, ASK_AT, tzinfo=zone)


def request_for(
    run: CampaignRun, campaign: Campaign, contact, version_id: int, intended: datetime
) -> Request:
    plan = Plan(
        kind="cold",
        channels=tuple(campaign.channels),
        priority=invitation_priority("cold"),
        intended_at=intended,
        deadline=intended + SENDING_DAYS,
        sampling_percent=sample_percent(run, campaign),
        sampling_salt=f"{run.organization.privacy_salt}:campaign:{campaign.pk}:{run.scheduled_for}",
    )
    return Request(
        contact=contact, plan=plan, survey_version_id=version_id, expiry=EXPIRY, campaign=campaign
    )


def sample_percent(run: CampaignRun, campaign: Campaign) -> float:
    """The share of the audience to ask so that about ``sample_size`` are asked."""
    if not campaign.sample_size or not run.total or campaign.sample_size >= run.total:
        return 100
    return max(0.01, 100 * campaign.sample_size / run.total)
