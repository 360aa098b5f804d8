from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import render

from vocapp.tenancy.access import require_capability


class OrganizationPageMixin(LoginRequiredMixin):
    """Base of every page under ``/o/<org_slug>/``.

    The middleware has already resolved the organization from the URL and the membership (404
    for non-members) and entered its scope; this checks the role (403 when too low).
    """

    capability = "view"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if request.membership is None:
            raise Http404
        require_capability(request.membership, self.capability)
        self.organization = request.organization
        self.membership = request.membership
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["organization"] = self.organization
        context["membership"] = self.membership
        return context

    def render_page(self, template, context=None, status=200):
        """Render ``template`` with what every organization page needs, for plain ``View``s."""
        return render(
            self.request,
            template,
            {
                "organization": self.organization,
                "membership": self.membership,
                "can_configure": self.membership.can("configure"),
                "section": getattr(self, "section", None),
                **(context or {}),
            },
            status=status,
        )
