"""The organization in scope, and the fail-closed manager that refuses to query without one.

Every tenant-owned model uses ``TenantManager`` as ``objects``: inside ``organization_scope(org)``
its querysets are filtered on that organization; outside any scope they raise
``NoOrganizationInScope`` instead of quietly returning every tenant's rows. The one escape hatch,
``Model.objects.unscoped()``, is for platform admin, migrations and cross-tenant jobs, and reads as
the risk it is.

Web requests enter the scope in ``OrganizationScopeMiddleware`` (pages under ``/o/<slug>/``) or in
the API base viewset (from the API key); tasks enter it with ``@tenant_task``.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps

from django.db import models

_current_organization: ContextVar = ContextVar("vocapp_current_organization", default=None)


class NoOrganizationInScope(RuntimeError):
    pass


def current_organization():
    return _current_organization.get()


def require_organization():
    organization = _current_organization.get()
    if organization is None:
        raise NoOrganizationInScope(
            "No organization in scope: enter organization_scope(...) or, for platform-wide work "
            "only, use Model.objects.unscoped()."
        )
    return organization


@contextmanager
def organization_scope(organization):
    token = _current_organization.set(organization)
    try:
        yield organization
    finally:
        _current_organization.reset(token)


def enter_organization_scope(organization):
    """Enter a scope for the rest of the current request; the middleware resets it at the end."""
    _current_organization.set(organization)


def reset_scope_token():
    return _current_organization.set(None)


def restore_scope(token):
    _current_organization.reset(token)


class TenantQuerySet(models.QuerySet):
    pass


class TenantManager(models.Manager.from_queryset(TenantQuerySet)):
    def get_queryset(self):
        organization = require_organization()
        return super().get_queryset().filter(organization=organization)

    def unscoped(self):
        """Every organization's rows. Platform admin, migrations and cross-tenant jobs only."""
        return super().get_queryset()

    def create(self, **kwargs):
        organization = require_organization()
        given = kwargs.setdefault("organization", organization)
        if given != organization:
            raise NoOrganizationInScope(
                f"Refusing to create a {self.model.__name__} for another organization than the one "
                "in scope."
            )
        return super().get_queryset().create(**kwargs)


class TenantModel(models.Model):
    """Base of every tenant-owned model: an organization and the fail-closed manager."""

    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.CASCADE, related_name="+", editable=False
    )

    objects = TenantManager()

    class Meta:
        abstract = True

    # Django follows foreign keys and cascades through the plain base manager (``_base_manager``),
    # so relations and deletions keep working outside a scope.


def tenant_task(func):
    """Run a task body inside its organization's scope; the task's first argument is its id.

    A task for an organization that no longer exists does nothing (returns None).
    """

    @wraps(func)
    def wrapper(organization_id, *args, **kwargs):
        from vocapp.tenancy.models import Organization

        organization = Organization.objects.filter(pk=organization_id).first()
        if organization is None:
            return None
        with organization_scope(organization):
            return func(organization_id, *args, **kwargs)

    return wrapper
