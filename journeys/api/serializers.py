from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from journeys import services
from journeys.library import TEMPLATES
from journeys.models import Journey, Persona, Stage, Touchpoint, touchpoint_key
from vocapp.api.fields import ScopedPrimaryKeyRelatedField
from vocapp.contacts.models import Segment
from vocapp.tenancy.audit import snapshot
from vocapp.tenancy.models import User
from vocapp.tenancy.scope import require_organization


@extend_schema_field(OpenApiTypes.INT)
class ActiveScopedField(ScopedPrimaryKeyRelatedField):
    """A reference to an active (not archived) object of the organization; anything else, an
    archived object or another organization's, is answered like an id that does not exist."""

    def get_queryset(self):
        return self.model.objects.filter(archived_at__isnull=True)


@extend_schema_field(OpenApiTypes.INT)
class MemberField(ScopedPrimaryKeyRelatedField):
    """A user id among the organization's members (another organization's member: no such id)."""

    def __init__(self, **kwargs):
        super().__init__(model=User, **kwargs)

    def get_queryset(self):
        return User.objects.filter(memberships__organization=require_organization())


class AuditedSerializer(serializers.ModelSerializer):
    """Creates and updates through journeys.services (positions, keys, audit log).

    The viewset passes ``actor`` (the API key) to ``save()``.
    """

    def create(self, validated_data):
        actor = validated_data.pop("actor", None)
        position = validated_data.pop("position", None)
        obj = self.Meta.model(**validated_data)
        services.create(actor, obj)
        self.place(actor, obj, position)
        return obj

    def update(self, instance, validated_data):
        actor = validated_data.pop("actor", None)
        position = validated_data.pop("position", None)
        before = snapshot(instance, services.audit_fields(instance))
        for name, value in validated_data.items():
            setattr(instance, name, value)
        services.update(actor, instance, before)
        self.place(actor, instance, position)
        return instance

    def place(self, actor, obj, position):
        pass


class PersonaSerializer(AuditedSerializer):
    segment = ScopedPrimaryKeyRelatedField(
        model=Segment, required=False, allow_null=True, help_text="A segment id of contacts."
    )

    class Meta:
        model = Persona
        fields = ["id", "name", "description", "goals", "frustrations", "segment", "archived_at"]
        read_only_fields = ["id", "archived_at"]


class JourneySerializer(AuditedSerializer):
    persona = ActiveScopedField(model=Persona, required=False, allow_null=True)

    class Meta:
        model = Journey
        fields = ["id", "name", "kind", "persona", "description", "created_at", "archived_at"]
        read_only_fields = ["id", "created_at", "archived_at"]


class JourneyFromTemplateSerializer(serializers.Serializer):
    template = serializers.ChoiceField(
        choices=sorted(TEMPLATES), help_text="ecommerce, retail, customer-service, b2b, employee"
    )
    name = serializers.CharField(max_length=120, required=False, allow_blank=True)
    persona = ActiveScopedField(model=Persona, required=False, allow_null=True)


class StageSerializer(AuditedSerializer):
    journey = ActiveScopedField(model=Journey)
    position = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Place among the journey's stages, from 0; the others shift. Default: last.",
    )

    class Meta:
        model = Stage
        fields = ["id", "journey", "name", "description", "position", "archived_at"]
        read_only_fields = ["id", "archived_at"]

    def validate_journey(self, journey):
        if self.instance is not None and journey.pk != self.instance.journey_id:
            raise serializers.ValidationError("A stage cannot move to another journey.")
        return journey

    def place(self, actor, stage, position):
        if position is not None:
            services.place_stage(actor, stage, position)
            stage.refresh_from_db(fields=["position"])


class TouchpointSerializer(AuditedSerializer):
    stage = ActiveScopedField(
        model=Stage, help_text="The stage id; changing it moves the touchpoint (last in place)."
    )
    journey = serializers.IntegerField(source="stage.journey_id", read_only=True)
    key = serializers.CharField(
        max_length=60,
        required=False,
        validators=[touchpoint_key],
        help_text="How your systems name it (e.g. parcel-received), unique in the organization; "
        "made from the name when absent.",
    )
    owner = MemberField(
        required=False, allow_null=True, help_text="A user id among the organization's members."
    )
    position = serializers.IntegerField(
        min_value=0,
        required=False,
        help_text="Place among the stage's touchpoints, from 0; the others shift. Default: last.",
    )

    class Meta:
        model = Touchpoint
        fields = [
            "id",
            "journey",
            "stage",
            "name",
            "key",
            "public_key",
            "channel",
            "direction",
            "nature",
            "goal",
            "customer_actions",
            "emotions",
            "friction_points",
            "internal_processes",
            "is_moment_of_truth",
            "importance",
            "target_score",
            "owner",
            "position",
            "archived_at",
        ]
        read_only_fields = ["id", "journey", "public_key", "archived_at"]

    def validate_key(self, key):
        exclude = self.instance.pk if self.instance else None
        if services.unique_touchpoint_key(key, exclude_pk=exclude) != key:
            raise serializers.ValidationError(f"Another touchpoint already uses the key '{key}'.")
        return key

    def place(self, actor, touchpoint, position):
        if position is not None:
            services.place_touchpoint(actor, touchpoint, position)
            touchpoint.refresh_from_db(fields=["position"])
