from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from vocapp.contacts.forms import SegmentForm, condition_rows, conditions_from_post, op_choices
from vocapp.contacts.models import Contact, Segment
from vocapp.contacts.segments import (
    SegmentError,
    available_attributes,
    compile_conditions,
    validate_conditions,
)
from vocapp.contacts.upsert import attribute_kinds
from vocapp.tenancy.access import require_capability
from vocapp.tenancy.audit import changed_fields, record_audit
from vocapp.tenancy.views.base import OrganizationPageMixin


def count_matches(conditions) -> int:
    return (
        Contact.objects.filter(erased_at__isnull=True)
        .filter(compile_conditions(conditions))
        .count()
    )


class SegmentListView(OrganizationPageMixin, View):
    def get(self, request, org_slug):
        segments = Segment.objects.all()
        return render(
            request,
            "contacts/segments.html",
            {
                "organization": request.organization,
                "segments": segments,
                "section": "segments",
                "can_configure": request.membership.can("configure"),
            },
        )


class SegmentEditView(OrganizationPageMixin, View):
    """Create (no pk) or edit a segment: conditions rows with a live "matches N" preview."""

    template_name = "contacts/segment_edit.html"

    def get(self, request, org_slug, pk=None):
        segment = self.get_segment(pk)
        return self.render_page(segment, SegmentForm(instance=segment), segment.conditions, {})

    def post(self, request, org_slug, pk=None):
        require_capability(request.membership, "configure")
        segment = self.get_segment(pk)
        before = {"name": segment.name, "conditions": segment.conditions}
        form = SegmentForm(request.POST, instance=segment)
        raw = conditions_from_post(request.POST)
        errors = {}
        try:
            conditions = validate_conditions(raw, attribute_kinds())
        except SegmentError as error:
            errors, conditions = error.errors, None
        if not form.is_valid() or conditions is None:
            return self.render_page(segment, form, raw, errors, status=400)
        segment = form.save(commit=False)
        segment.conditions = conditions
        segment.organization = request.organization
        segment.save()
        record_audit(
            request.user,
            "segment.saved",
            segment,
            changed_fields(before, {"name": segment.name, "conditions": segment.conditions}),
        )
        messages.success(request, _("Segment saved."))
        return redirect("contacts:segments", org_slug=org_slug)

    def get_segment(self, pk):
        if pk is None:
            return Segment(organization=self.request.organization)
        return get_object_or_404(Segment.objects.all(), pk=pk)

    def render_page(self, segment, form, conditions, errors, status=200):
        matches = None
        if not errors:
            try:
                matches = count_matches(validate_conditions(conditions, attribute_kinds()))
            except SegmentError:
                matches = None
        return render(
            self.request,
            self.template_name,
            {
                "organization": self.request.organization,
                "segment": segment,
                "form": form,
                "rows": condition_rows(conditions),
                "errors": errors,
                "matches": matches,
                "attributes": sorted(available_attributes(attribute_kinds())),
                "ops": op_choices(),
                "section": "segments",
                "can_configure": self.request.membership.can("configure"),
            },
            status=status,
        )


class SegmentPreviewView(OrganizationPageMixin, View):
    """htmx: the "matches N contacts" line for the conditions being edited."""

    def post(self, request, org_slug):
        try:
            matches = count_matches(
                validate_conditions(conditions_from_post(request.POST), attribute_kinds())
            )
            errors = {}
        except SegmentError as error:
            matches, errors = None, error.errors
        return render(
            request, "contacts/_segment_preview.html", {"matches": matches, "errors": errors}
        )
