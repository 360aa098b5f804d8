from rest_framework import serializers

from vocapp.contacts.models import AttributeDefinition, Contact, Segment
from vocapp.contacts.segments import OPS, SegmentError, validate_conditions
from vocapp.contacts.upsert import attribute_kinds


class ContactSerializer(serializers.ModelSerializer):
    # Empty when unknown: documented as a plain string, since "" is no valid "format: email".
    email = serializers.CharField(
        read_only=True, help_text="The contact's email address; empty when unknown."
    )
    consent = serializers.SerializerMethodField()
    opted_out = serializers.SerializerMethodField()
    erased = serializers.SerializerMethodField()

    class Meta:
        model = Contact
        fields = [
            "id",
            "external_id",
            "email",
            "phone",
            "first_name",
            "locale",
            "time_zone",
            "attributes",
            "consent",
            "opted_out",
            "erased",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_consent(self, contact) -> dict[str, bool]:
        return {
            "sms": contact.sms_consent_at is not None,
            "email": contact.email_consent_at is not None,
        }

    def get_opted_out(self, contact) -> dict[str, bool]:
        return {
            "sms": contact.sms_opted_out_at is not None,
            "email": contact.email_opted_out_at is not None,
        }

    def get_erased(self, contact) -> bool:
        return contact.erased_at is not None


class ContactWriteSerializer(serializers.Serializer):
    """Documents the upsert body; validation is vocapp.contacts.validation (shared with bulk)."""

    external_id = serializers.CharField(max_length=100)
    email = serializers.EmailField(required=False, allow_null=True, allow_blank=True)
    phone = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        help_text="E.164 or national (read in the organization's country)",
    )
    first_name = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    locale = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    time_zone = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    attributes = serializers.DictField(required=False, allow_null=True)
    sms_consent = serializers.BooleanField(required=False, allow_null=True)
    email_consent = serializers.BooleanField(required=False, allow_null=True)
    sms_opted_out = serializers.BooleanField(
        required=False, allow_null=True, help_text="true opts out; never cleared by an upsert"
    )
    email_opted_out = serializers.BooleanField(required=False, allow_null=True)


class BulkContactsSerializer(serializers.Serializer):
    contacts = serializers.ListField(
        child=serializers.DictField(), max_length=10_000, allow_empty=False
    )


class RowResultSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    external_id = serializers.CharField(allow_null=True)
    status = serializers.ChoiceField(["created", "updated", "unchanged", "rejected"])
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class BulkResultSerializer(serializers.Serializer):
    results = RowResultSerializer(many=True)
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    rejected = serializers.IntegerField()


class AttributeDefinitionSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributeDefinition
        fields = ["id", "name", "label", "kind", "created_at"]
        read_only_fields = ["id", "created_at"]

    def validate_name(self, name):
        clash = AttributeDefinition.objects.filter(name=name)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"'{name}' is already declared.")
        return name


class ConditionSerializer(serializers.Serializer):
    attribute = serializers.CharField()
    op = serializers.ChoiceField(OPS)
    value = serializers.JSONField(required=False, allow_null=True)


class SegmentSerializer(serializers.ModelSerializer):
    conditions = serializers.JSONField(
        help_text='List of {"attribute", "op", "value"} joined by AND.'
    )

    class Meta:
        model = Segment
        fields = ["id", "name", "description", "conditions", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_conditions(self, conditions):
        return check_conditions(conditions)

    def validate_name(self, name):
        clash = Segment.objects.filter(name=name)
        if self.instance:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(f"A segment named '{name}' already exists.")
        return name


def check_conditions(conditions):
    try:
        return validate_conditions(conditions, attribute_kinds())
    except SegmentError as error:
        raise serializers.ValidationError(
            {key.removeprefix("conditions."): value for key, value in error.errors.items()}
        ) from None


class SegmentPreviewSerializer(serializers.Serializer):
    conditions = serializers.JSONField()

    def validate_conditions(self, conditions):
        return check_conditions(conditions)


class SegmentPreviewResultSerializer(serializers.Serializer):
    matches = serializers.IntegerField()
