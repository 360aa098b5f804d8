"""The delivery policy settings page: every role reads it (it explains why invitations were not
sent); only admins change it, and each change is written to the audit log."""

import copy

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from vocapp.tenancy.access import require_capability
from vocapp.tenancy.audit import changed_fields, record_audit

from ..models import DeliveryPolicy
from ..policy_forms import MAX_FATIGUE_RULES, DeliveryPolicyForm
from ..selectors import delivery_policy
from .base import SurveysPage

# What the page edits is what its audit events record.
AUDITED_FIELDS = [*DeliveryPolicyForm._meta.fields, "fatigue_rules", "sms_window", "email_window"]
CAPABILITY = "manage_organization"


def policy_values(policy: DeliveryPolicy) -> dict:
    # Deep copies: the JSON fields are dicts and lists the form replaces.
    return {name: copy.deepcopy(getattr(policy, name)) for name in AUDITED_FIELDS}


class DeliveryPolicyView(SurveysPage):
    section = "delivery"  # the settings tab

    def get(self, request, org_slug):
        return self.render_form(DeliveryPolicyForm(instance=delivery_policy(self.organization)))

    def post(self, request, org_slug):
        require_capability(self.membership, CAPABILITY)
        # The row is made on first use with the model's defaults (two first saves at once
        # cannot make two rows: get_or_create retries on the unique constraint).
        policy, _created = DeliveryPolicy.objects.get_or_create(organization=self.organization)
        before = policy_values(policy)
        form = DeliveryPolicyForm(request.POST, instance=policy)
        if not form.is_valid():
            return self.render_form(form, status=400)
        policy = form.save()
        changes = changed_fields(before, policy_values(policy))
        if changes:
            record_audit(request.user, "delivery_policy.updated", policy, changes)
        messages.success(request, _("Delivery policy saved."))
        return redirect("surveys:delivery_policy", org_slug=org_slug)

    def render_form(self, form, status=200):
        return self.render_page(
            "surveys/delivery_policy.html",
            {
                "form": form,
                "rules": form.rules,
                "max_rules": MAX_FATIGUE_RULES,
                "readonly": not self.membership.can(CAPABILITY),
            },
            status=status,
        )
