"""What every journeys page shares: scoped look-ups, roles, the registered card lines."""

from collections import defaultdict

from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from journeys.models import Stage, Touchpoint
from vocapp import registry
from vocapp.tenancy.views.base import OrganizationPageMixin


def active(model):
    return model.objects.filter(archived_at__isnull=True)


def get_active(model, pk, **filters):
    """The organization's active object ``pk`` (archived or another organization's: 404)."""
    queryset = active(model)
    if model is Stage:
        queryset = queryset.select_related("journey")
    elif model is Touchpoint:
        queryset = queryset.select_related("stage", "stage__journey", "owner")
    return get_object_or_404(queryset, pk=pk, **filters)


def wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def touchpoint_lines(organization, touchpoint_ids) -> dict[int, list[str]]:
    """What the apps to the right say about each touchpoint (how it is listened to, scores)."""
    lines: dict[int, list[str]] = defaultdict(list)
    if not touchpoint_ids:
        return lines
    for annotation in registry.touchpoint_annotations:
        for touchpoint_id, texts in annotation.annotate(organization, touchpoint_ids).items():
            lines[touchpoint_id].extend(texts)
    return lines


def touchpoint_links(membership, touchpoint_id) -> list[dict]:
    """Pages of the apps to the right about this touchpoint that the member's role may open."""
    kwargs = {"org_slug": membership.organization.slug, "pk": touchpoint_id}
    return [
        {"label": annotation.link.label, "url": reverse(annotation.link.url_name, kwargs=kwargs)}
        for annotation in registry.touchpoint_annotations
        if annotation.link is not None and membership.can(annotation.link.capability)
    ]


def journey_links(membership, journey_id) -> list[dict]:
    """Pages of the apps to the right about this journey (its scores) the member may open."""
    kwargs = {"org_slug": membership.organization.slug, "pk": journey_id}
    return [
        {"key": link.key, "label": link.label, "url": reverse(link.url_name, kwargs=kwargs)}
        for link in registry.journey_links
        if membership.can(link.capability)
    ]


class JourneysPage(OrganizationPageMixin, View):
    """A page of the journeys app."""

    section = "journeys"


class ConfigurePage(JourneysPage):
    capability = "configure"


def bad_move(request, journey_id, message):
    if wants_json(request):
        return JsonResponse({"error": "invalid", "detail": str(message)}, status=400)
    return render(
        request,
        "journeys/bad_request.html",
        {"organization": request.organization, "message": message, "journey_id": journey_id},
        status=400,
    )


def after_move(request, journey_id, anchor):
    if wants_json(request):
        return JsonResponse({"moved": True})
    response = redirect("journeys:map", org_slug=request.organization.slug, pk=journey_id)
    response["Location"] += f"#{anchor}"
    return response
