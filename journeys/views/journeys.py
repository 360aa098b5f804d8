"""Journeys: the list with its templates, the map, create, edit and archive."""

from collections import defaultdict

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _

from journeys import services
from journeys.forms import JourneyForm
from journeys.library import TEMPLATES
from journeys.models import Journey, Touchpoint
from vocapp.tenancy.audit import snapshot

from .base import (
    ConfigurePage,
    JourneysPage,
    active,
    get_active,
    journey_links,
    touchpoint_lines,
)


def journey_list_context():
    journeys = (
        active(Journey)
        .select_related("persona")
        .annotate(
            stage_count=Count("stages", filter=Q(stages__archived_at__isnull=True), distinct=True),
            touchpoint_count=Count(
                "stages__touchpoints",
                filter=Q(stages__touchpoints__archived_at__isnull=True),
                distinct=True,
            ),
            moment_count=Count(
                "stages__touchpoints",
                filter=Q(
                    stages__touchpoints__archived_at__isnull=True,
                    stages__touchpoints__is_moment_of_truth=True,
                ),
                distinct=True,
            ),
        )
    )
    return {"journeys": journeys, "templates": TEMPLATES.values()}


class JourneyListView(JourneysPage):
    def get(self, request, org_slug):
        return self.render_page("journeys/list.html", journey_list_context())


class JourneyFromTemplateView(ConfigurePage):
    """One click: a journey with the template's stages and touchpoints."""

    def post(self, request, org_slug):
        key = request.POST.get("template", "")
        if key not in TEMPLATES:
            context = {**journey_list_context(), "template_error": _("Choose a journey template.")}
            return self.render_page("journeys/list.html", context, status=400)
        journey = services.create_journey_from_template(self.organization, key, request.user)
        messages.success(
            request,
            _("Journey “%(name)s” created from its template: rename, add or remove what you need.")
            % {"name": journey.name},
        )
        return redirect("journeys:map", org_slug=org_slug, pk=journey.pk)


class JourneyFormView(ConfigurePage):
    """Create (no pk) or edit a journey."""

    def get(self, request, org_slug, pk=None):
        journey = self.get_journey(pk)
        return self.render_form(journey, JourneyForm(instance=journey))

    def post(self, request, org_slug, pk=None):
        journey = self.get_journey(pk)
        before = snapshot(journey, services.audit_fields(journey)) if journey.pk else None
        form = JourneyForm(request.POST, instance=journey)
        if not form.is_valid():
            return self.render_form(journey, form, status=400)
        journey = form.save(commit=False)
        if before is None:
            services.create(request.user, journey)
            messages.success(request, _("Journey created: add its stages."))
        else:
            services.update(request.user, journey, before)
            messages.success(request, _("Journey saved."))
        return redirect("journeys:map", org_slug=org_slug, pk=journey.pk)

    def get_journey(self, pk):
        if pk is None:
            return Journey(organization=self.organization)
        return get_active(Journey, pk)

    def render_form(self, journey, form, status=200):
        if journey.pk:
            back = ("journeys:map", journey.pk, journey.name)
        else:
            back = ("journeys:list", None, _("Journeys"))
        return self.render_page(
            "journeys/form.html",
            {
                "form": form,
                "title": journey.name if journey.pk else _("New journey"),
                "back": back,
                "submit": _("Save the journey"),
                "archive_url_name": "journeys:archive" if journey.pk else None,
                "object": journey,
            },
            status=status,
        )


class JourneyArchiveView(ConfigurePage):
    def post(self, request, org_slug, pk):
        journey = get_active(Journey, pk)
        services.archive(request.user, journey)
        messages.success(
            request,
            _("Journey “%(name)s” archived. Its touchpoints and their answers are kept.")
            % {"name": journey.name},
        )
        return redirect("journeys:list", org_slug=org_slug)


class JourneyMapView(JourneysPage):
    """Stages as columns, touchpoints as cards, and what other apps say about each one."""

    def get(self, request, org_slug, pk):
        journey = get_object_or_404(active(Journey).select_related("persona"), pk=pk)
        stages = list(services.active_stages(journey))
        touchpoints = (
            active(Touchpoint)
            .filter(stage__in=stages)
            .select_related("owner")
            .order_by("position", "id")
        )
        by_stage = defaultdict(list)
        for touchpoint in touchpoints:
            by_stage[touchpoint.stage_id].append(touchpoint)
        lines = touchpoint_lines(self.organization, [tp.pk for tp in touchpoints])
        columns = []
        for index, stage in enumerate(stages):
            cards = by_stage[stage.pk]
            for position, card in enumerate(cards):
                card.lines = lines.get(card.pk, [])
                card.dots = "●" * card.importance + "○" * (5 - card.importance)
                card.is_first, card.is_last = position == 0, position == len(cards) - 1
            columns.append(
                {
                    "stage": stage,
                    "number": index + 1,
                    "touchpoints": cards,
                    "is_first": index == 0,
                    "is_last": index == len(stages) - 1,
                    "others": [s for s in stages if s.pk != stage.pk],
                }
            )
        return self.render_page(
            "journeys/map.html",
            {
                "journey": journey,
                "columns": columns,
                "touchpoint_count": len(touchpoints),
                "moment_count": sum(tp.is_moment_of_truth for tp in touchpoints),
                "links": journey_links(self.membership, journey.pk),
            },
        )
