"""The one base for API viewsets on tenant data.

It owns ``get_queryset`` and ``perform_create`` so that no endpoint can forget the organization:
subclasses narrow with ``narrow_queryset`` and may not override the owned methods (checked when
the class is defined, as PostHog's routing mixin does).
"""

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
