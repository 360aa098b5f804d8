"""Touchpoints: details, add, edit, move (▲ ▼, to another stage, drag and drop), archive."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from journeys import services
from journeys.forms import TouchpointForm
from journeys.models import Stage, Touchpoint
from vocapp.tenancy.audit import snapshot

from .base import (
    ConfigurePage,
    JourneysPage,
    active,
    after_move,
    bad_move,
    get_active,
    touchpoint_lines,
    touchpoint_links,
    wants_json,
)


class TouchpointDetailView(JourneysPage):
    def get(self, request, org_slug, pk):
        touchpoint = get_active(Touchpoint, pk)
        touchpoint.lines = touchpoint_lines(self.organization, [touchpoint.pk]).get(pk, [])
        return self.render_page(
            "journeys/touchpoint.html",
            {
                "touchpoint": touchpoint,
                "stage": touchpoint.stage,
                "journey": touchpoint.stage.journey,
                "links": touchpoint_links(self.membership, touchpoint.pk),
            },
        )


class TouchpointFormView(ConfigurePage):
    """``touchpoint_new`` (pk: the stage) or ``touchpoint_edit`` (pk: the touchpoint)."""

    creating = False

    def get(self, request, org_slug, pk):
        touchpoint = self.get_touchpoint(pk)
        return self.render_form(touchpoint, self.make_form(touchpoint))

    def post(self, request, org_slug, pk):
        touchpoint = self.get_touchpoint(pk)
        before = None if self.creating else snapshot(touchpoint, services.audit_fields(touchpoint))
        form = self.make_form(touchpoint, request.POST)
        if not form.is_valid():
            return self.render_form(touchpoint, form, status=400)
        touchpoint = form.save(commit=False)
        if before is None:
            services.create(request.user, touchpoint)
            messages.success(request, _("Touchpoint added."))
        else:
            services.update(request.user, touchpoint, before)
            messages.success(request, _("Touchpoint saved."))
        response = redirect("journeys:map", org_slug=org_slug, pk=touchpoint.stage.journey_id)
        response["Location"] += f"#touchpoint-{touchpoint.pk}"
        return response

    def get_touchpoint(self, pk):
        if self.creating:
            stage = get_active(Stage, pk)
            return Touchpoint(organization=self.organization, stage=stage)
        return get_active(Touchpoint, pk)

    def make_form(self, touchpoint, data=None):
        return TouchpointForm(
            data,
            instance=touchpoint,
            organization=self.organization,
            journey=touchpoint.stage.journey,
            initial=None if touchpoint.pk else {"stage": touchpoint.stage_id},
        )

    def render_form(self, touchpoint, form, status=200):
        journey = touchpoint.stage.journey
        return self.render_page(
            "journeys/form.html",
            {
                "form": form,
                "title": touchpoint.name if touchpoint.pk else _("New touchpoint"),
                "subtitle": journey.name,
                "back": ("journeys:map", journey.pk, journey.name),
                "submit": _("Save the touchpoint"),
                "archive_url_name": "journeys:touchpoint_archive" if touchpoint.pk else None,
                "object": touchpoint,
            },
            status=status,
        )


class TouchpointMoveView(ConfigurePage):
    """The ▲ ▼ buttons (``direction`` "up" or "down"), or ``stage``: move to another stage."""

    def post(self, request, org_slug, pk):
        touchpoint = get_active(Touchpoint, pk)
        journey_id = touchpoint.stage.journey_id
        if request.POST.get("stage"):
            stage = (
                active(Stage)
                .filter(pk=request.POST["stage"] if request.POST["stage"].isdecimal() else None)
                .first()
            )
            if stage is None or stage.journey_id != journey_id:
                return bad_move(request, journey_id, _("Choose a stage of this journey."))
            services.move_touchpoint_to_stage(request.user, touchpoint, stage)
            return after_move(request, journey_id, f"touchpoint-{touchpoint.pk}")
        delta = {"up": -1, "down": 1}.get(request.POST.get("direction"))
        if delta is None:
            return bad_move(request, journey_id, _("Choose a direction to move to."))
        services.move_touchpoint(request.user, touchpoint, delta)
        return after_move(request, journey_id, f"touchpoint-{touchpoint.pk}")


class TouchpointOrderView(ConfigurePage):
    """Drag and drop: ``order`` lists the stage's touchpoint ids in their new order; ids from
    another stage of the journey move into this one."""

    def post(self, request, org_slug, pk):
        stage = get_active(Stage, pk)
        try:
            ids = [int(value) for value in request.POST.getlist("order")]
            touchpoints = services.set_touchpoint_order(request.user, stage, ids)
        except (ValueError, services.InvalidOrder):
            return bad_move(
                request, stage.journey_id, _("The new order does not match the touchpoints.")
            )
        if wants_json(request):
            return JsonResponse({"order": [tp.pk for tp in touchpoints]})
        return redirect("journeys:map", org_slug=org_slug, pk=stage.journey_id)


class TouchpointArchiveView(ConfigurePage):
    def post(self, request, org_slug, pk):
        touchpoint = get_active(Touchpoint, pk)
        services.archive(request.user, touchpoint)
        messages.success(
            request,
            _("Touchpoint “%(name)s” archived; its answers are kept.") % {"name": touchpoint.name},
        )
        return redirect("journeys:map", org_slug=org_slug, pk=touchpoint.stage.journey_id)
