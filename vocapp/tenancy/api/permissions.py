from rest_framework import exceptions, permissions


class HasApiKeyScope(permissions.BasePermission):
    """Reads need the ``read`` scope; writes need the view's ``write_scope`` (``admin`` unless an
    ingest endpoint says ``ingest``); ``action_scopes`` overrides per action. The ``admin`` scope
    covers everything."""

    def has_permission(self, request, view):
        api_key = request.auth
        if api_key is None:
            raise exceptions.NotAuthenticated(
                "Authentication required: send 'Authorization: Bearer vk_<prefix>_<secret>'."
            )
        needed = self.scope_needed(request, view)
        if not api_key.has_scope(needed):
            raise exceptions.PermissionDenied(f"This API key lacks the '{needed}' scope.")
        return True

    @staticmethod
    def scope_needed(request, view) -> str:
        by_action = getattr(view, "action_scopes", {})
        if getattr(view, "action", None) in by_action:
            return by_action[view.action]
        if request.method in permissions.SAFE_METHODS:
            return getattr(view, "read_scope", "read")
        return getattr(view, "write_scope", "admin")
