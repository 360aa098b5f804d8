"""Messages: every SMS and email sent for an invitation, recorded before the provider is called."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vocapp.tenancy.scope import TenantModel

from .delivery import Invitation


class MessageStatus(models.TextChoices):
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    UNCERTAIN = "uncertain", _("Uncertain")


# Provider events move a message forward only: a late "sent" never undoes "delivered".
STATUS_RANK = {"sending": 0, "uncertain": 1, "sent": 2, "delivered": 3, "failed": 3}


class MessageDirection(models.TextChoices):
    OUT = "out", _("Sent")
    IN = "in", _("Received")


class Message(TenantModel):
    """One message to one address. The row (status ``sending``) is committed before the provider
    is called, so a crash can lose a message but never send it twice."""

    invitation = models.ForeignKey(
        Invitation, on_delete=models.CASCADE, related_name="messages", null=True, blank=True
    )
    direction = models.CharField(
        max_length=3, choices=MessageDirection.choices, default=MessageDirection.OUT
    )
    channel = models.CharField(max_length=8)
    # Received: ``sender`` is the customer's number, ``to`` ours.
    to = models.CharField(max_length=254)
    sender = models.CharField(max_length=254)
    subject = models.CharField(max_length=255, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.SENDING
    )
    provider_id = models.CharField(max_length=100, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    error = models.CharField(max_length=255, blank=True)
    segments = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # Status callbacks find the message by the provider's id, across organizations.
            models.UniqueConstraint(
                fields=["channel", "provider_id"],
                condition=~Q(provider_id=""),
                name="message_unique_provider_id",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "channel", "created_at"], name="message_org"),
            # A reply finds the latest message our number sent to that phone (any organization).
            models.Index(fields=["to", "sender", "-created_at"], name="message_route"),
            # The sweeper looks for messages left in ``sending``.
            models.Index(
                fields=["updated_at"], condition=Q(status="sending"), name="message_sending"
            ),
        ]

    def __str__(self):
        return f"{self.channel} → {self.to} ({self.status})"

    def get_channel_display_text(self) -> str:
        return {"sms": "SMS", "email": str(_("email"))}.get(self.channel, self.channel)
