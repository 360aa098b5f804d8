from django.shortcuts import get_object_or_404, render
from django.views import View

from vocapp.tenancy.views.base import OrganizationPageMixin


def get_live(queryset, pk):
    """The organization's object ``pk`` that is not archived (else 404, like a missing one)."""
    return get_object_or_404(queryset.filter(archived_at__isnull=True), pk=pk)


class SurveysPage(OrganizationPageMixin, View):
    """A page of the surveys app; ``render_page`` adds what every template needs."""

    section = "surveys"

    def render_page(self, template, context=None, status=200):
        return render(
            self.request,
            template,
            {
                "organization": self.organization,
                "membership": self.membership,
                "can_configure": self.membership.can("configure"),
                "section": self.section,
                **(context or {}),
            },
            status=status,
        )


class ConfigurePage(SurveysPage):
    capability = "configure"
