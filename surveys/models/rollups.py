"""Rollups: answers and invitations counted per organization, local day, touchpoint and channel.

The dashboards and the metrics API read these small tables instead of millions of answers. Each
row is derived from the raw data and can be rebuilt from it at any time (``rebuild_rollups``);
a beat task recomputes, every 30 seconds, the days whose answers or invitations changed since
its last pass (``RollupCursor``). Days are the organization's, in its time zone.
"""

from django.db import models

from vocapp.tenancy.scope import TenantModel


class AnswerRollup(TenantModel):
    """How many answers gave ``score`` to a scored question (NPS, CSAT, CES) of ``scale``."""

    day = models.DateField()
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=8)  # the response's: sms, email, link, qr
    metric = models.CharField(max_length=4)  # nps, csat, ces
    scale_min = models.SmallIntegerField()
    scale_max = models.SmallIntegerField()
    score = models.SmallIntegerField()
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "metric", "day"], name="answer_rollup_day"),
            models.Index(
                fields=["organization", "touchpoint", "metric", "day"], name="answer_rollup_tp"
            ),
        ]


class InvitationRollup(TenantModel):
    """How many invitations sent on ``day`` (their ``sent_at``) are now in ``state``: the base
    of the response rate (sent, delivered, answered, expired) and what became of the rest."""

    day = models.DateField()
    touchpoint = models.ForeignKey(
        "journeys.Touchpoint", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    channel = models.CharField(max_length=8)  # the invitation's: sms, email
    state = models.CharField(max_length=12)
    count = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "day"], name="invitation_rollup_day"),
            models.Index(fields=["organization", "touchpoint", "day"], name="invitation_rollup_tp"),
        ]


class RollupCursor(models.Model):
    """Up to when one source's changes are in the rollups. Not a TenantModel: one row per source
    for the whole platform, locked while a pass recomputes (one pass at a time)."""

    source = models.CharField(max_length=20, unique=True)  # answers, invitations
    position = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.source} up to {self.position}"
