from django.db import models
from django_countries.serializer_fields import CountryField
from rest_framework import serializers

from vocapp.api.fields import WallClockTimeField
from vocapp.tenancy.models import Organization


class OrganizationSerializer(serializers.ModelSerializer):
    country = CountryField()
    business_days = serializers.ListField(
        child=serializers.IntegerField(min_value=0, max_value=6), max_length=7
    )
    # Opening hours are wall-clock times in the organization's time zone.
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.TimeField: WallClockTimeField,
    }

    class Meta:
        model = Organization
        fields = [
            "name",
            "slug",
            "time_zone",
            "country",
            "currency",
            "default_locale",
            "business_days",
            "business_opens_at",
            "business_closes_at",
            "brand_colour",
            "level_neutral_from",
            "level_enchantment_from",
            "minimum_n",
        ]
        read_only_fields = ["slug"]

    def validate(self, attrs):
        instance = Organization(**{**self.current_values(), **attrs})
        errors = {}
        if instance.level_neutral_from >= instance.level_enchantment_from:
            errors["level_enchantment_from"] = ["Enchantment must start above the neutral level."]
        if instance.business_opens_at >= instance.business_closes_at:
            errors["business_closes_at"] = ["Closing must come after opening."]
        if errors:
            raise serializers.ValidationError(errors)
        attrs["business_days"] = sorted(set(attrs.get("business_days", instance.business_days)))
        return attrs

    def current_values(self):
        if self.instance is None:
            return {}
        return {name: getattr(self.instance, name) for name in self.Meta.fields}
