from django.shortcuts import get_object_or_404
from django.views import View

from vocapp.tenancy.views.base import OrganizationPageMixin


def get_live(queryset, pk):
    """The organization's object ``pk`` that is not archived (else 404, like a missing one)."""
    return get_object_or_404(queryset.filter(archived_at__isnull=True), pk=pk)


class SurveysPage(OrganizationPageMixin, View):
    """A page of the surveys app."""

    section = "surveys"


class ConfigurePage(SurveysPage):
    capability = "configure"
