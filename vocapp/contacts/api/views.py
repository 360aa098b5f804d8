from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from vocapp.contacts.gdpr import erase_contact, export_contact
from vocapp.contacts.models import AttributeDefinition, Contact, Segment
from vocapp.contacts.segments import compile_conditions
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.api.base import OrganizationModelViewSet, OrganizationViewSetMixin
from vocapp.tenancy.audit import record_audit

from . import serializers as s

BULK_LIMIT = 10_000


def search_contacts(queryset, term: str):
    term = term.strip()
    if not term:
        return queryset
    return queryset.filter(
        Q(external_id__icontains=term)
        | Q(email__icontains=term)
        | Q(phone__icontains=term)
        | Q(first_name__icontains=term)
    )


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("search", str, description="Part of the id, email, phone or name"),
            OpenApiParameter("segment", int, description="Only contacts matching this segment"),
            OpenApiParameter("external_id", str),
            OpenApiParameter("email", str),
            OpenApiParameter("phone", str),
        ]
    ),
)
@extend_schema(tags=["contacts"])
class ContactViewSet(
    OrganizationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Contacts, upserted by ``external_id``. An absent field is unchanged, an explicit null
    clears it, and an opt-out is never cleared by an upsert."""

    model = Contact
    serializer_class = s.ContactSerializer
    write_scope = "ingest"
    action_scopes = {"erase": "admin"}
    http_method_names = ["get", "post", "patch", "head", "options"]

    def narrow_queryset(self, queryset):
        params = self.request.query_params
        queryset = search_contacts(queryset, params.get("search", ""))
        for name in ("external_id", "email", "phone"):
            if params.get(name):
                queryset = queryset.filter(**{name: params[name]})
        if params.get("segment"):
            segment = (
                Segment.objects.filter(pk=params["segment"]).first()
                if params["segment"].isdecimal()
                else None
            )
            if segment is None:
                raise ValidationError({"segment": ["No such segment."]})
            queryset = queryset.filter(compile_conditions(segment.conditions))
        return queryset

    def upsert_one(self, body, *, expected_external_id=None):
        if not isinstance(body, dict):
            raise ValidationError({"non_field_errors": ["Send one contact as a JSON object."]})
        if expected_external_id is not None:
            given = body.get("external_id", expected_external_id)
            if given != expected_external_id:
                raise ValidationError({"external_id": ["A contact's external_id cannot change."]})
            body = {**body, "external_id": expected_external_id}
        result = upsert_contacts([body])[0]
        if result.status == "rejected":
            raise ValidationError(result.errors)
        return result

    @extend_schema(
        request=s.ContactWriteSerializer,
        responses={200: s.ContactSerializer, 201: s.ContactSerializer},
    )
    def create(self, request, *args, **kwargs):
        result = self.upsert_one(request.data)
        code = status.HTTP_201_CREATED if result.status == "created" else status.HTTP_200_OK
        return Response(s.ContactSerializer(result.contact).data, status=code)

    @extend_schema(request=s.ContactWriteSerializer, responses=s.ContactSerializer)
    def partial_update(self, request, *args, **kwargs):
        contact = self.get_object()
        result = self.upsert_one(request.data, expected_external_id=contact.external_id)
        return Response(s.ContactSerializer(result.contact).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(request=s.BulkContactsSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Upsert up to 10,000 contacts; the answer has one result per row, in order."""
        body = s.BulkContactsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        results = upsert_contacts(body.validated_data["contacts"])
        summary = {
            name: sum(r.status == name for r in results)
            for name in ("created", "updated", "unchanged", "rejected")
        }
        return Response({"results": [r.as_dict() for r in results], **summary})

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        """Everything stored about this contact (GDPR access request)."""
        contact = self.get_object()
        record_audit(request.auth, "contact.exported", contact)
        return Response(export_contact(contact))

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], url_path="erase")
    def erase(self, request, pk=None):
        """Erase this contact's personal data (GDPR); needs the admin scope. Idempotent."""
        contact = self.get_object()
        touched = erase_contact(request.auth, contact)
        return Response({"erased": True, "rows": touched})


@extend_schema(tags=["contacts"])
class AttributeDefinitionViewSet(OrganizationModelViewSet):
    """The contact attributes the organization declares (name and type)."""

    model = AttributeDefinition
    serializer_class = s.AttributeDefinitionSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    pagination_class = None


@extend_schema(tags=["segments"])
class SegmentViewSet(OrganizationModelViewSet):
    """Saved filters on contacts: conditions joined by AND."""

    model = Segment
    serializer_class = s.SegmentSerializer
    action_scopes = {"preview": "read"}

    @extend_schema(request=s.SegmentPreviewSerializer, responses=s.SegmentPreviewResultSerializer)
    @action(detail=False, methods=["post"])
    def preview(self, request):
        """How many contacts these conditions match, without saving a segment."""
        body = s.SegmentPreviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        matches = (
            Contact.objects.filter(erased_at__isnull=True)
            .filter(compile_conditions(body.validated_data["conditions"]))
            .count()
        )
        return Response({"matches": matches})
