from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from vocapp import registry
from vocapp.tenancy.models import Organization
from vocapp.tenancy.scope import organization_scope, tenant_task

from . import imports


@shared_task(ignore_result=True, acks_late=True)
@tenant_task
def run_import(organization_id, job_id):
    imports.run_import_job(job_id)


@shared_task(ignore_result=True, expires=60)
def resume_stalled_imports():
    """Cross-tenant sweep: re-run imports whose worker died mid-way (from the last chunk)."""
    for job in imports.stalled_jobs().only("pk", "organization_id"):
        run_import.delay(job.organization_id, job.pk)


def retention_cutoff(organization, now):
    return now - timedelta(days=round(30.44 * organization.retention_months))


@shared_task(ignore_result=True, expires=3600)
def purge_expired_data():
    """Daily: every app's retention purger, per organization, with its own retention period."""
    now = timezone.now()
    for organization in Organization.objects.all():
        with organization_scope(organization):
            cutoff = retention_cutoff(organization, now)
            for purger in registry.retention_purgers:
                purger.purge(organization, cutoff)
