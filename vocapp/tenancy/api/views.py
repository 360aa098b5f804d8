from drf_spectacular.utils import extend_schema
from rest_framework import generics

from vocapp.tenancy.audit import changed_fields, record_audit, snapshot
from vocapp.tenancy.scope import require_organization

from .serializers import OrganizationSerializer


@extend_schema(tags=["organization"])
class OrganizationView(generics.RetrieveUpdateAPIView):
    """The API key's organization and its settings (changing them needs the admin scope)."""

    serializer_class = OrganizationSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self):
        return require_organization()

    def perform_update(self, serializer):
        before = snapshot(serializer.instance, OrganizationSerializer.Meta.fields)
        organization = serializer.save()
        after = snapshot(organization, OrganizationSerializer.Meta.fields)
        record_audit(
            self.request.auth, "organization.updated", organization, changed_fields(before, after)
        )
