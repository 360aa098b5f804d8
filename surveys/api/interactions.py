"""``interactions`` (POST one or ``bulk/``) and ``invitations`` (read) in the API."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from journeys.models import Touchpoint
from vocapp.api.errors import error_body
from vocapp.api.filters import choice_filter, object_filter
from vocapp.contacts.models import Contact
from vocapp.tenancy.api.base import OrganizationViewSetMixin

from ..ingestion import describe, ingest
from ..models import Campaign, Interaction, Invitation, InvitationState, SuppressionReason

BULK_LIMIT = 5_000
FILTER_MODELS = {"touchpoint": Touchpoint, "campaign": Campaign, "contact": Contact}


def filter_on_objects(queryset, params, names):
    """Narrow on each named object (400 for an unknown or another organization's id)."""
    for name in names:
        found = object_filter(params, name, FILTER_MODELS[name], name)
        if found is not None:
            queryset = queryset.filter(**{name: found})
    return queryset


class ContactInlineSerializer(serializers.Serializer):
    external_id = serializers.CharField()
    email = serializers.EmailField(required=False, allow_null=True)
    phone = serializers.CharField(required=False, allow_null=True, help_text="E.164")
    first_name = serializers.CharField(required=False, allow_null=True)
    locale = serializers.CharField(required=False, allow_null=True)
    time_zone = serializers.CharField(required=False, allow_null=True)


class InteractionWriteSerializer(serializers.Serializer):
    """Documents the body; validation is surveys.ingestion (shared with bulk and imports)."""

    touchpoint = serializers.CharField(help_text="The touchpoint's id or key.")
    contact = ContactInlineSerializer(help_text="Upserted by external_id, as contacts are.")
    occurred_at = serializers.DateTimeField(
        help_text="ISO 8601; without an offset it is read in the organization's time zone."
    )
    external_id = serializers.CharField(
        required=False, help_text="Your id of the event: sending it again changes nothing."
    )
    attributes = serializers.DictField(
        required=False, help_text="Store, agent, order value…: text, numbers, true/false."
    )


class InvitationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rule = serializers.IntegerField(allow_null=True)
    campaign = serializers.IntegerField(allow_null=True)
    kind = serializers.CharField()
    channel = serializers.CharField(allow_null=True)
    state = serializers.ChoiceField(InvitationState.values)
    reason = serializers.ChoiceField(SuppressionReason.values, allow_null=True)
    send_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class InteractionResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(["created", "replayed", "conflict", "rejected"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    interaction = serializers.IntegerField(allow_null=True)
    invitations = InvitationBriefSerializer(many=True)


class BulkInteractionsSerializer(serializers.Serializer):
    interactions = serializers.ListField(child=InteractionWriteSerializer(), max_length=BULK_LIMIT)


class BulkInteractionsResultSerializer(serializers.Serializer):
    results = InteractionResultSerializer(many=True)
    created = serializers.IntegerField()
    replayed = serializers.IntegerField()
    conflict = serializers.IntegerField()
    rejected = serializers.IntegerField()


class InteractionSerializer(serializers.ModelSerializer):
    invitations = serializers.SerializerMethodField()

    class Meta:
        model = Interaction
        fields = [
            "id",
            "external_id",
            "touchpoint",
            "contact",
            "occurred_at",
            "attributes",
            "received_at",
            "invitations",
        ]
        # Interactions are written through ingest() (create and bulk), never by this serializer.
        read_only_fields = fields

    def get_invitations(self, interaction) -> list[dict]:
        return [describe(i) for i in interaction.invitations.all()]


CONFLICT = OpenApiResponse(
    description="The external_id was first received with another payload; fields name the "
    "differences and nothing was stored."
)


@extend_schema(tags=["interactions"])
class InteractionViewSet(
    OrganizationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Interactions of customers at touchpoints. Posting one plans its surveys by the
    touchpoint's listening rules; the answer lists each invitation scheduled, or not sent with
    its reason. ``external_id`` makes a post idempotent."""

    model = Interaction
    serializer_class = InteractionSerializer
    write_scope = "ingest"

    def narrow_queryset(self, queryset):
        params = self.request.query_params
        queryset = filter_on_objects(queryset, params, ("touchpoint", "contact"))
        if params.get("external_id"):
            queryset = queryset.filter(external_id=params["external_id"])
        return queryset.prefetch_related("invitations")

    @extend_schema(
        request=InteractionWriteSerializer,
        responses={
            201: InteractionResultSerializer,
            200: OpenApiResponse(InteractionResultSerializer, description="A replay"),
            409: CONFLICT,
        },
    )
    def create(self, request, *args, **kwargs):
        if not isinstance(request.data, dict):
            raise ValidationError(
                {"non_field_errors": [_("Send one interaction as a JSON object.")]}
            )
        result = ingest([request.data])[0]
        if result.status == "rejected":
            raise ValidationError(result.errors)
        if result.status == "conflict":
            names = ", ".join(result.errors)
            detail = _("This external_id was first received with a different %(fields)s.") % {
                "fields": names
            }
            return Response(
                error_body("conflict", detail, result.errors), status=status.HTTP_409_CONFLICT
            )
        code = status.HTTP_201_CREATED if result.status == "created" else status.HTTP_200_OK
        return Response(result.as_dict(), status=code)

    @extend_schema(request=BulkInteractionsSerializer, responses=BulkInteractionsResultSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request):
        """Up to 5,000 interactions; the answer has one result per row, in order."""
        events = request.data.get("interactions") if isinstance(request.data, dict) else None
        if not isinstance(events, list) or not events:
            raise ValidationError({"interactions": [_("Send a non-empty list of interactions.")]})
        if len(events) > BULK_LIMIT:
            raise ValidationError(
                {
                    "interactions": [
                        _("%(count)s interactions at most per request.") % {"count": BULK_LIMIT}
                    ]
                }
            )
        results = ingest(events)
        summary = {
            name: sum(r.status == name for r in results)
            for name in ("created", "replayed", "conflict", "rejected")
        }
        return Response({"results": [r.as_dict() for r in results], **summary})


class InvitationSerializer(serializers.ModelSerializer):
    contact_external_id = serializers.CharField(
        source="contact.external_id", read_only=True, help_text="Your id of the contact."
    )
    channel = serializers.SerializerMethodField(help_text="sms or email; null if none fitted.")
    reason = serializers.SerializerMethodField(help_text="Why it was not sent; null if it was.")

    class Meta:
        model = Invitation
        fields = [
            "id",
            "contact",
            "contact_external_id",
            "interaction",
            "touchpoint",
            "rule",
            "campaign",
            "survey_version",
            "kind",
            "channel",
            "state",
            "reason",
            "priority",
            "send_at",
            "expires_at",
            "created_at",
        ]
        read_only_fields = fields

    def get_channel(self, invitation) -> str | None:
        return invitation.channel or None

    def get_reason(self, invitation) -> str | None:
        return invitation.reason or None


@extend_schema(
    tags=["invitations"],
    parameters=[
        OpenApiParameter("touchpoint", int),
        OpenApiParameter("campaign", int),
        OpenApiParameter("contact", int),
        OpenApiParameter("state", str, enum=InvitationState.values),
        OpenApiParameter("reason", str, enum=SuppressionReason.values),
    ],
)
class InvitationViewSet(
    OrganizationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Every survey invitation, sent or not; a suppressed one says why (``reason``)."""

    model = Invitation
    serializer_class = InvitationSerializer

    def narrow_queryset(self, queryset):
        params = self.request.query_params
        queryset = filter_on_objects(queryset, params, ("touchpoint", "campaign", "contact"))
        for name, choices in (("state", InvitationState), ("reason", SuppressionReason)):
            value = choice_filter(params, name, choices)
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset.select_related("contact")
