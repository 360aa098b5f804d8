"""The forms of Settings → Channels: a Twilio account, a sender number, a test SMS, and the
channel fields of the delivery policy (email sender, SMS cap, unit costs)."""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from vocapp.contacts.validation import normalise_phone

from .models import DeliveryPolicy, SenderNumber, TwilioAccount
from .models.channels import ALPHANUMERIC_SENDER

AUTH_TOKEN_PATTERN = r"^[0-9a-fA-F]{32}\Z"  # noqa: S105  (a format, not a secret)
# One message for a number that is the organization's own, another's or shared: the answer must
# not tell an admin which numbers other organizations use.
NUMBER_TAKEN = _("This number is already in use.")
BAD_SENDER = _(
    "Enter a phone number in international format (e.g. +33612345678) or a sender name of 1 to "
    "11 letters, digits and spaces, with at least one letter."
)
BAD_PHONE = _("Enter a valid phone number, e.g. +33612345678.")


def normalise_sender(value: str, region: str) -> str:
    """E.164 for a phone number (national numbers read in ``region``), or the alphanumeric
    sender ID with its spaces collapsed. Raises ValidationError."""
    text = " ".join(value.split())
    if any(character.isalpha() for character in text):
        if ALPHANUMERIC_SENDER.match(text):
            return text
        raise ValidationError(BAD_SENDER, code="invalid")
    try:
        return normalise_phone(text, region)
    except ValueError:
        raise ValidationError(BAD_SENDER, code="invalid") from None


class TwilioAccountForm(forms.ModelForm):
    auth_token = forms.CharField(
        label=_("Auth token"),
        # Write-only: never sent back to the browser, even after an error.
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        validators=[
            RegexValidator(
                AUTH_TOKEN_PATTERN,
                _("An auth token is 32 hexadecimal characters (Twilio console, Account info)."),
            )
        ],
        help_text=_("Stored encrypted; it is never shown again."),
    )

    class Meta:
        model = TwilioAccount
        fields = ["label", "account_sid", "auth_token"]
        widgets = {"account_sid": forms.TextInput(attrs={"autocomplete": "off"})}

    def clean_account_sid(self):
        sid = self.cleaned_data["account_sid"].strip()
        # Unique on the platform: look at every organization's accounts, not the scoped ones.
        if TwilioAccount.objects.unscoped().filter(account_sid__iexact=sid).exists():
            raise ValidationError(_("This Twilio account is already connected."), code="taken")
        return sid

    def validate_unique(self):
        # clean_account_sid checked every organization; the model's check sees only this one.
        pass


class SenderNumberForm(forms.ModelForm):
    # The organization's own accounts, set per form (in scope); empty: the platform's account.
    account = forms.ModelChoiceField(
        queryset=TwilioAccount.objects.unscoped().none(),
        label=_("Twilio account"),
        required=False,
        empty_label=_("The platform's Twilio account"),
        help_text=_("The Twilio account that owns the number."),
    )

    class Meta:
        model = SenderNumber
        fields = ["number", "label", "account"]
        help_texts = {
            "number": _("A phone number customers can reply to, or a sender name (one-way)."),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["account"].queryset = TwilioAccount.objects.defer("auth_token")

    def clean_number(self):
        number = normalise_sender(self.cleaned_data["number"], str(self.organization.country))
        if SenderNumber.objects.filter(number__iexact=number).exists():
            raise ValidationError(NUMBER_TAKEN, code="taken")
        return number

    def validate_unique(self):
        # clean_number checked every organization's numbers and the shared ones, with the one
        # message that does not tell them apart.
        pass

    def save(self, commit=True):
        sender = super().save(commit=False)
        sender.organization = self.organization
        if commit:
            sender.save()
        return sender


class TestSmsForm(forms.Form):
    to = forms.CharField(
        label=_("Send to"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text=_("Your own mobile number."),
    )
    sender = forms.ChoiceField(label=_("From"))

    def __init__(self, *args, organization, senders, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.senders = {str(sender.pk): sender for sender in senders}
        self.fields["sender"].choices = [
            (pk, sender_label(sender)) for pk, sender in self.senders.items()
        ]

    def clean_to(self):
        try:
            return normalise_phone(self.cleaned_data["to"], str(self.organization.country))
        except ValueError:
            raise ValidationError(BAD_PHONE, code="invalid") from None

    def clean_sender(self):
        return self.senders[self.cleaned_data["sender"]]


def sender_label(sender: SenderNumber) -> str:
    if sender.is_shared:
        return _("%(number)s (shared)") % {"number": sender.number}
    return f"{sender.number} ({sender.label})" if sender.label else sender.number


class ChannelPolicyForm(forms.ModelForm):
    """The delivery policy's channel fields; the rest of the policy has its own page."""

    class Meta:
        model = DeliveryPolicy
        fields = [
            "email_from_address",
            "email_from_name",
            "email_reply_to",
            "email_html",
            "sms_monthly_cap",
            "sms_unit_cost",
            "email_unit_cost",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        currency = self.instance.organization.currency
        for name in ("sms_unit_cost", "email_unit_cost"):
            self.fields[name].help_text = _("In %(currency)s, to count what surveys cost.") % {
                "currency": currency
            }
            self.fields[name].widget.attrs["min"] = 0
        self.fields["sms_monthly_cap"].widget.attrs["min"] = 1
