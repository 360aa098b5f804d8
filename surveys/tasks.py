"""Celery tasks of the surveys app: thin wrappers that take ids and call plain functions."""

from celery import shared_task
from django.utils import timezone

from vocapp.tenancy.scope import tenant_task

from . import campaigns, dispatch, followups, provider_events, rollups, sending
from .models import CampaignRun


@shared_task(ignore_result=True, expires=60)
def start_due_campaigns():
    """Cross-tenant, every minute: open the cold campaigns' due runs, resume stalled ones."""
    for run in campaigns.start_due_runs(timezone.now()):
        materialize_campaign_run.delay(run.organization_id, run.pk)


@shared_task(ignore_result=True, acks_late=True)
@tenant_task
def materialize_campaign_run(organization_id, run_id):
    run = CampaignRun.objects.select_related("campaign__survey", "campaign__segment").get(pk=run_id)
    campaigns.materialize(run)


# --- Dispatch ---------------------------------------------------------------------------------
# Cross-tenant: each enters the scope of the organization it works for.


@shared_task(ignore_result=True, expires=30)
def dispatch_due_invitations():
    """Every few seconds, and at once when a hot survey is due: send what is due."""
    result = dispatch.dispatch_due()
    for message_id, delay in result.retries:
        send_message_later.apply_async((message_id,), countdown=delay)
    if result.counts["paced"] and not dispatch_due_invitations.app.conf.task_always_eager:
        # The senders' second is spent: the next pass in a second, not a sleep. (Run inline,
        # a countdown means nothing: the beat's next pass takes over.)
        dispatch_due_invitations.apply_async(countdown=1, expires=30)


@shared_task(ignore_result=True)
def send_message_later(message_id):
    """A message whose provider failed for a moment (5xx, 429, the network), tried again."""
    outcome = sending.send_message(message_id)
    if outcome.retry_in is not None:
        send_message_later.apply_async((message_id,), countdown=outcome.retry_in)


@shared_task(ignore_result=True, expires=60)
def sweep_sending_messages():
    now = timezone.now()
    provider_events.sweep_sending(now)
    dispatch.expire_unanswered(now)


@shared_task(ignore_result=True, expires=300)
def schedule_reminders():
    followups.schedule_reminders(timezone.now())


def nudge_dispatcher(sender, organization_id, **kwargs):
    """``invitations_due`` (sent after commit): a hot survey goes now, not at the next pass."""
    dispatch_due_invitations.delay()


# --- Rollups ----------------------------------------------------------------------------------


@shared_task(ignore_result=True, acks_late=True)
@tenant_task
def rebuild_organization_rollups(organization_id):
    """Every day of one organization again (its days moved with its time zone)."""
    from vocapp.tenancy.scope import current_organization

    rollups.rebuild_rollups(current_organization())


def rebuild_on_time_zone_change(sender, organization, changes, **kwargs):
    """``organization_updated``: the rollups' days are the organization's local days."""
    if "time_zone" in changes:
        rebuild_organization_rollups.delay(organization.pk)


@shared_task(ignore_result=True, expires=30)
def refresh_rollups():
    """Cross-tenant, every 30 seconds: recompute the rollup days whose answers or invitations
    changed (one pass at a time: a pass that finds another one running does nothing)."""
    rollups.refresh_rollups()
