from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to another object of the same organization.

    The queryset is taken at validation time, inside the request's scope: another organization's
    id gets the same "does not exist" message as an id that does not exist at all.
    """

    def __init__(self, model=None, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.all()


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?$",
        "example": "09:00",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A time of day in the organization's time zone, ``HH:MM[:SS]``, without a UTC offset.

    OpenAPI's ``format: time`` is RFC 3339's full-time, which requires an offset: documenting
    these fields with it made the schema promise answers the API never gives.
    """
