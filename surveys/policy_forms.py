"""The delivery policy form: consent per channel, fatigue (with rules by contact attribute), the
cap per account, de-duplication, cold surveys, and each channel's sending window.

Windows are stored in the shape of ``default_sms_window()``; the fatigue rules as the list
``[{"attribute", "value", "days"}]`` the scheduler reads, first match first.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from vocapp.contacts.models import AttributeDefinition, AttributeKind
from vocapp.contacts.validation import coerce_attribute
from vocapp.tenancy.models import WEEKDAYS

from .models import DeliveryPolicy
from .models.delivery import default_sms_window

MAX_FATIGUE_RULES = 10
BLANK_RULE_ROWS = 3
# Contact fields a fatigue rule may look at besides the declared attributes: groups of people.
# Identifiers (email, phone, external id) each name one person, which a rule cannot mean.
FATIGUE_BUILTINS = {"locale": AttributeKind.TEXT, "time_zone": AttributeKind.TEXT}


def declared_attributes() -> list[AttributeDefinition]:
    return list(AttributeDefinition.objects.order_by("name"))


def attribute_label(definition: AttributeDefinition) -> str:
    return f"{definition.label} ({definition.name})" if definition.label else definition.name


class FatigueRuleForm(forms.Form):
    """One row "attribute / value / days"; a row left entirely blank is no rule."""

    attribute = forms.ChoiceField(label=_("Attribute"), required=False)
    value = forms.CharField(label=_("Value"), max_length=100, required=False)
    days = forms.IntegerField(label=_("Days"), min_value=1, max_value=365, required=False)

    def __init__(self, *args, attributes: list[AttributeDefinition], **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = {**FATIGUE_BUILTINS, **{a.name: a.kind for a in attributes}}
        self.fields["attribute"].choices = [
            ("", "—"),
            *[(a.name, attribute_label(a)) for a in attributes],
            *[(name, name) for name in FATIGUE_BUILTINS],
        ]

    def clean(self):
        data = super().clean()
        attribute, days = data.get("attribute"), data.get("days")
        value = (data.get("value") or "").strip()
        if not (attribute or value or days or self.errors):
            return data
        if not attribute and "attribute" not in self.errors:
            self.add_error("attribute", _("Choose the attribute this rule looks at."))
        if not value and "value" not in self.errors:
            self.add_error("value", _("Give the value that selects these contacts."))
        if days is None and "days" not in self.errors:
            self.add_error("days", _("Give the number of days (1 to 365)."))
        if attribute and value:
            # Stored as the contact's attribute would be (a number, yes/no...), so that the
            # scheduler's comparison of the two matches.
            try:
                data["value"] = coerce_attribute(self.kinds[attribute], value)
            except ValueError:
                kind = AttributeKind(self.kinds[attribute]).label
                self.add_error(
                    "value", _("This value does not fit the attribute (%(kind)s).") % {"kind": kind}
                )
        return data

    def rule(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("attribute"):
            return None
        return {"attribute": data["attribute"], "value": data["value"], "days": data["days"]}


class BaseFatigueRuleFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": ngettext_lazy("At most %(num)d rule.", "At most %(num)d rules.", "num"),
    }

    def clean(self):
        if any(self.errors):
            return
        seen = {}
        for row, form in enumerate(self.forms, start=1):
            rule = form.rule()
            if rule is None:
                continue
            key = (rule["attribute"], str(rule["value"]))
            if key in seen:
                raise ValidationError(
                    _("Rows %(first)d and %(second)d are the same rule: keep one."),
                    params={"first": seen[key], "second": row},
                )
            seen[key] = row

    def rules(self) -> list[dict]:
        return [rule for rule in (form.rule() for form in self.forms) if rule is not None]


FatigueRuleFormSet = forms.formset_factory(
    FatigueRuleForm,
    formset=BaseFatigueRuleFormSet,
    extra=BLANK_RULE_ROWS,
    max_num=MAX_FATIGUE_RULES,
    absolute_max=MAX_FATIGUE_RULES,
    validate_max=True,
)


def weekdays_field():
    return forms.TypedMultipleChoiceField(
        label=_("Days"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


def time_field(label):
    return forms.TimeField(
        label=label,
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )


def holidays_field():
    return forms.BooleanField(
        label=_("Not on public holidays of the organization's country"), required=False
    )


class DeliveryPolicyForm(forms.ModelForm):
    account_attribute = forms.ChoiceField(
        label=_("Account attribute"),
        required=False,
        help_text=_(
            "Contacts with the same value of this attribute (a company, a household) are one "
            "account."
        ),
    )
    sms_days = weekdays_field()
    sms_start = time_field(_("From"))
    sms_end = time_field(_("Until"))
    sms_holidays = holidays_field()
    email_window_on = forms.BooleanField(
        label=_("Send emails only within a window"),
        required=False,
        help_text=_("Unticked: emails go at any time."),
    )
    email_days = weekdays_field()
    email_start = time_field(_("From"))
    email_end = time_field(_("Until"))
    email_holidays = holidays_field()

    class Meta:
        model = DeliveryPolicy
        fields = [
            "sms_consent_basis",
            "email_consent_basis",
            "fatigue_days",
            "account_attribute",
            "account_cap_days",
            "dedup_hours",
            "cold_per_year",
        ]
        widgets = {
            "sms_consent_basis": forms.RadioSelect,
            "email_consent_basis": forms.RadioSelect,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        attributes = declared_attributes()
        self.fields["account_attribute"].choices = self.account_choices(attributes)
        self.show_model_limits()
        self.rules = FatigueRuleFormSet(
            self.data if self.is_bound else None,
            prefix="fatigue",
            initial=self.instance.fatigue_rules or [],
            form_kwargs={"attributes": attributes},
        )
        self.initial.update(window_initial("sms", self.instance.sms_window))
        email = self.instance.email_window
        self.initial.update(window_initial("email", email or default_sms_window()))
        self.initial["email_window_on"] = email is not None

    def account_choices(self, attributes) -> list:
        choices = [("", _("None: no cap per account"))]
        choices += [(a.name, attribute_label(a)) for a in attributes]
        current = self.instance.account_attribute
        # The default ("account") keeps validating until the organization declares it.
        if current and current not in {a.name for a in attributes}:
            choices.append((current, current))
        return choices

    def show_model_limits(self):
        """The model's bounds as the inputs' min and max, so a phone offers the right keys."""
        for name in ("fatigue_days", "account_cap_days", "dedup_hours", "cold_per_year"):
            widget = self.fields[name].widget
            for validator in DeliveryPolicy._meta.get_field(name).validators:
                if isinstance(validator, MinValueValidator):
                    widget.attrs["min"] = validator.limit_value
                elif isinstance(validator, MaxValueValidator):
                    widget.attrs["max"] = validator.limit_value

    def clean(self):
        data = super().clean()
        if data.get("account_cap_days") and not data.get("account_attribute"):
            self.add_error(
                "account_attribute",
                _("Choose the attribute that names the account, or leave the cap empty."),
            )
        data["sms_window"] = self.clean_window("sms")
        data["email_window"] = self.clean_window("email") if data.get("email_window_on") else None
        if not self.rules.is_valid():
            raise ValidationError(_("Check the fatigue rules by attribute below."))
        return data

    def clean_window(self, channel: str) -> dict | None:
        days = self.cleaned_data.get(f"{channel}_days")
        start = self.cleaned_data.get(f"{channel}_start")
        end = self.cleaned_data.get(f"{channel}_end")
        if not days and f"{channel}_days" not in self.errors:
            self.add_error(f"{channel}_days", _("Choose at least one day."))
        if start is None and f"{channel}_start" not in self.errors:
            self.add_error(f"{channel}_start", _("Give the opening time, e.g. 08:00."))
        if end is None and f"{channel}_end" not in self.errors:
            self.add_error(f"{channel}_end", _("Give the closing time, e.g. 20:00."))
        if start and end and start >= end:
            self.add_error(f"{channel}_end", _("The window must close after it opens."))
        if not (days and start and end) or start >= end:
            return None
        return {
            "days": sorted(set(days)),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "holidays": bool(self.cleaned_data.get(f"{channel}_holidays")),
        }

    def save(self, commit=True):
        policy = super().save(commit=False)
        policy.fatigue_rules = self.rules.rules()
        policy.sms_window = self.cleaned_data["sms_window"]
        policy.email_window = self.cleaned_data["email_window"]
        if commit:
            policy.save()
        return policy


def window_initial(channel: str, window: dict) -> dict:
    return {
        f"{channel}_days": window.get("days", []),
        f"{channel}_start": window.get("start", ""),
        f"{channel}_end": window.get("end", ""),
        f"{channel}_holidays": bool(window.get("holidays")),
    }
