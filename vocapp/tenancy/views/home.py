from django.urls import NoReverseMatch, reverse
from django.views.generic import TemplateView

from vocapp import registry

from .base import OrganizationPageMixin


def setup_checklist(organization, membership):
    """The set-up steps the apps registered, with their real counts for this organization."""
    steps = []
    for step in registry.setup_steps:
        if not membership.can(step.capability):
            continue
        url = None
        if step.url_name:
            try:
                url = reverse(step.url_name, kwargs={"org_slug": organization.slug})
            except NoReverseMatch:
                url = None
        count = step.count(organization)
        steps.append(
            {"key": step.key, "label": step.label, "count": count, "done": count > 0, "url": url}
        )
    return steps


class HomeView(OrganizationPageMixin, TemplateView):
    template_name = "tenancy/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        steps = setup_checklist(self.organization, self.membership)
        context["steps"] = steps
        context["steps_done"] = sum(step["done"] for step in steps)
        return context
