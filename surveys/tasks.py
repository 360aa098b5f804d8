"""Celery tasks of the surveys app: thin wrappers that take ids and call plain functions."""

from celery import shared_task
from django.utils import timezone

from vocapp.tenancy.scope import tenant_task

from . import campaigns
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
