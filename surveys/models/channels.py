"""Channels: the Twilio accounts an organization connects and the numbers invitations come from.

A sender number is either the organization's own or shared by every organization (no
organization): the platform's numbers, on the platform's Twilio account from the settings.
"""

import re

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vocapp.crypto import EncryptedTextField
from vocapp.messaging.sms import TwilioCredentials
from vocapp.tenancy.scope import TenantModel

# Twilio account SIDs: "AC" and 32 hexadecimal digits.
ACCOUNT_SID_PATTERN = r"^AC[0-9a-fA-F]{32}\Z"
# An alphanumeric sender ID: 1 to 11 letters, digits and spaces, at least one letter (carriers
# refuse an all-digit ID, which would read as a number).
ALPHANUMERIC_SENDER = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}\Z")


class TwilioAccount(TenantModel):
    """An organization's own Twilio account; its auth token is stored encrypted, never shown."""

    label = models.CharField(_("name"), max_length=100)
    account_sid = models.CharField(
        _("account SID"),
        max_length=34,
        unique=True,
        validators=[
            RegexValidator(ACCOUNT_SID_PATTERN, _("An account SID is AC and 32 hex digits."))
        ],
    )
    auth_token = EncryptedTextField(_("auth token"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "pk"]

    def __str__(self):
        return self.label

    def credentials(self) -> TwilioCredentials:
        return TwilioCredentials(account_sid=self.account_sid, auth_token=self.auth_token)


class SenderNumber(models.Model):
    """A phone number (E.164) or an alphanumeric sender ID that SMS invitations come from.

    Not a TenantModel: ``organization`` is empty for a number shared by every organization.
    ``account`` empty means the platform's Twilio account (settings).
    """

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    number = models.CharField(_("number or sender ID"), max_length=16, unique=True)
    label = models.CharField(_("description"), max_length=100, blank=True)
    account = models.ForeignKey(
        TwilioAccount,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="senders",
        verbose_name=_("Twilio account"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["number"]
        indexes = [
            # senders_for(): an organization's own senders, and the shared ones (NULL).
            models.Index(fields=["organization", "active"], name="sender_org_active"),
        ]

    def __str__(self):
        return self.number

    @property
    def is_shared(self) -> bool:
        return self.organization_id is None

    @property
    def two_way(self) -> bool:
        """Whether customers can reply (a phone number; an alphanumeric sender ID cannot)."""
        return self.number.startswith("+")

    def credentials(self) -> TwilioCredentials | None:
        """The account's credentials, or None for the platform's account."""
        return self.account.credentials() if self.account_id else None
