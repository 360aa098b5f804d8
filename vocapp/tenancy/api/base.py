"""The one base for API viewsets on tenant data.

It owns ``get_queryset`` and ``perform_create`` so that no endpoint can forget the organization:
subclasses narrow with ``narrow_queryset`` and may not override the owned methods (checked when
the class is defined, as PostHog's routing mixin does).
"""

from drf_spectacular.utils import OpenApiParameter
from rest_framework import viewsets

from vocapp.tenancy.scope import require_organization

OWNED = ("get_queryset", "perform_create")


class OrganizationViewSetMixin:
    model = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for name in OWNED:
            if name in cls.__dict__:
                raise TypeError(
                    f"{cls.__name__} overrides {name}; narrow with narrow_queryset() or "
                    "extend save_for_create() instead."
                )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.unscoped().none()
        require_organization()
        return self.narrow_queryset(self.model.objects.all())

    def narrow_queryset(self, queryset):
        return queryset

    def perform_create(self, serializer):
        self.save_for_create(serializer, organization=require_organization())

    def save_for_create(self, serializer, **fields):
        serializer.save(**fields)


class OrganizationModelViewSet(OrganizationViewSetMixin, viewsets.ModelViewSet):
    pass


class OrganizationReadOnlyViewSet(OrganizationViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


# The list filter of every archiving endpoint, for its OpenAPI description.
ARCHIVED = OpenApiParameter(
    "archived", bool, description="true: list the archived ones instead of the active ones"
)


class ArchivingModelViewSet(OrganizationModelViewSet):
    """Objects that answers may point to: lists hide archived ones (``?archived=true`` lists
    them instead), DELETE archives through ``archive()`` and never deletes, and every write
    names the API key as the actor of its audit event."""

    def narrow_queryset(self, queryset):
        if self.action == "list":
            archived = self.request.query_params.get("archived", "").lower() in ("true", "1")
            queryset = queryset.filter(archived_at__isnull=not archived)
        return self.narrow(queryset, self.request.query_params)

    def narrow(self, queryset, params):
        """Subclasses filter on their own query parameters here."""
        return queryset

    def save_for_create(self, serializer, **fields):
        serializer.save(actor=self.request.auth, **fields)

    def perform_update(self, serializer):
        serializer.save(actor=self.request.auth)

    def perform_destroy(self, instance):
        self.archive(instance)

    def archive(self, instance):
        raise NotImplementedError(f"{type(self).__name__} must say how it archives")
