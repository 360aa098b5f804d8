from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import AuditEvent


@shared_task(ignore_result=True, expires=3600)
def purge_old_audit_events():
    """Cross-tenant by design: one retention for every organization."""
    cutoff = timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    deleted, _ = AuditEvent.objects.unscoped().filter(created_at__lt=cutoff).delete()
    return deleted
