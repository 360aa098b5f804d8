"""Personas: list, create, edit and archive."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from journeys import services
from journeys.forms import PersonaForm
from journeys.models import Persona
from vocapp.tenancy.audit import snapshot

from .base import (
    ConfigurePage,
    JourneysPage,
    active,
    get_active,
)


class PersonaListView(JourneysPage):
    section = "personas"

    def get(self, request, org_slug):
        personas = (
            active(Persona)
            .select_related("segment")
            .annotate(journey_count=Count("journeys", filter=Q(journeys__archived_at__isnull=True)))
        )
        return self.render_page("journeys/personas.html", {"personas": personas})


class PersonaFormView(ConfigurePage):
    section = "personas"

    def get(self, request, org_slug, pk=None):
        persona = self.get_persona(pk)
        return self.render_form(persona, PersonaForm(instance=persona))

    def post(self, request, org_slug, pk=None):
        persona = self.get_persona(pk)
        before = snapshot(persona, services.audit_fields(persona)) if persona.pk else None
        form = PersonaForm(request.POST, instance=persona)
        if not form.is_valid():
            return self.render_form(persona, form, status=400)
        persona = form.save(commit=False)
        if before is None:
            services.create(request.user, persona)
        else:
            services.update(request.user, persona, before)
        messages.success(request, _("Persona saved."))
        return redirect("journeys:personas", org_slug=org_slug)

    def get_persona(self, pk):
        if pk is None:
            return Persona(organization=self.organization)
        return get_active(Persona, pk)

    def render_form(self, persona, form, status=200):
        return self.render_page(
            "journeys/form.html",
            {
                "form": form,
                "title": persona.name if persona.pk else _("New persona"),
                "back": ("journeys:personas", None, _("Personas")),
                "submit": _("Save the persona"),
                "archive_url_name": "journeys:persona_archive" if persona.pk else None,
                "object": persona,
            },
            status=status,
        )


class PersonaArchiveView(ConfigurePage):
    def post(self, request, org_slug, pk):
        persona = get_active(Persona, pk)
        services.archive(request.user, persona)
        messages.success(request, _("Persona “%(name)s” archived.") % {"name": persona.name})
        return redirect("journeys:personas", org_slug=org_slug)
