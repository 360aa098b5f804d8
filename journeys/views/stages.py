"""Stages: add, edit, move (◀ ▶ and drag and drop) and archive."""

from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from journeys import services
from journeys.forms import StageForm
from journeys.models import Journey, Stage
from vocapp.tenancy.audit import snapshot

from .base import (
    ConfigurePage,
    after_move,
    bad_move,
    get_active,
    wants_json,
)


class StageFormView(ConfigurePage):
    """``stage_new`` (pk: the journey) or ``stage_edit`` (pk: the stage)."""

    creating = False

    def get(self, request, org_slug, pk):
        stage = self.get_stage(pk)
        return self.render_form(stage, StageForm(instance=stage))

    def post(self, request, org_slug, pk):
        stage = self.get_stage(pk)
        before = None if self.creating else snapshot(stage, services.audit_fields(stage))
        form = StageForm(request.POST, instance=stage)
        if not form.is_valid():
            return self.render_form(stage, form, status=400)
        stage = form.save(commit=False)
        if before is None:
            services.create(request.user, stage)
            messages.success(request, _("Stage added."))
        else:
            services.update(request.user, stage, before)
            messages.success(request, _("Stage saved."))
        return redirect("journeys:map", org_slug=org_slug, pk=stage.journey_id)

    def get_stage(self, pk):
        if self.creating:
            journey = get_active(Journey, pk)
            return Stage(organization=self.organization, journey=journey)
        return get_active(Stage, pk, journey__archived_at__isnull=True)

    def render_form(self, stage, form, status=200):
        return self.render_page(
            "journeys/form.html",
            {
                "form": form,
                "title": stage.name if stage.pk else _("New stage"),
                "back": ("journeys:map", stage.journey_id, stage.journey.name),
                "submit": _("Save the stage"),
                "archive_url_name": "journeys:stage_archive" if stage.pk else None,
                "object": stage,
            },
            status=status,
        )


class StageMoveView(ConfigurePage):
    """The ◀ ▶ buttons: ``direction`` is "back" or "forward"."""

    def post(self, request, org_slug, pk):
        stage = get_active(Stage, pk)
        delta = {"back": -1, "forward": 1}.get(request.POST.get("direction"))
        if delta is None:
            return bad_move(request, stage.journey_id, _("Choose a direction to move to."))
        services.move_stage(request.user, stage, delta)
        return after_move(request, stage.journey_id, f"stage-{stage.pk}")


class StageOrderView(ConfigurePage):
    """Drag and drop: ``order`` lists the journey's stage ids in their new order."""

    def post(self, request, org_slug, pk):
        journey = get_active(Journey, pk)
        try:
            ids = [int(value) for value in request.POST.getlist("order")]
            stages = services.set_stage_order(request.user, journey, ids)
        except (ValueError, services.InvalidOrder):
            return bad_move(request, journey.pk, _("The new order does not match the stages."))
        if wants_json(request):
            return JsonResponse({"order": [stage.pk for stage in stages]})
        return redirect("journeys:map", org_slug=org_slug, pk=journey.pk)


class StageArchiveView(ConfigurePage):
    def post(self, request, org_slug, pk):
        stage = get_active(Stage, pk)
        services.archive(request.user, stage)
        messages.success(
            request,
            _("Stage “%(name)s” archived with its touchpoints; their answers are kept.")
            % {"name": stage.name},
        )
        return redirect("journeys:map", org_slug=org_slug, pk=stage.journey_id)
