from django.contrib.auth.views import redirect_to_login

from .access import resolve_membership
from .scope import enter_organization_scope, reset_scope_token, restore_scope


class TenantScopeResetMiddleware:
    """Scope pages under ``/o/<org_slug>/`` to the organization, and clear the scope afterwards.

    The scope is entered from the URL and the user's membership (never from a session
    preference): a non-member gets a 404, the same answer as an organization that does not exist.
    The reset happens after the response is rendered, so lazily rendered templates still query
    inside the scope; gunicorn's reused threads never carry a scope into the next request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.organization = None
        request.membership = None
        token = reset_scope_token()
        try:
            return self.get_response(request)
        finally:
            restore_scope(token)

    def process_view(self, request, view_func, view_args, view_kwargs):
        slug = view_kwargs.get("org_slug")
        if slug is None:
            return None
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        membership = resolve_membership(request.user, slug)
        request.membership = membership
        request.organization = membership.organization
        enter_organization_scope(membership.organization)
        return None
