from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from journeys import services
from journeys.models import Journey, Persona, Stage, Touchpoint
from vocapp.api.filters import object_filter
from vocapp.tenancy.api.base import ARCHIVED, ArchivingModelViewSet

from . import serializers as s


class JourneyMapViewSet(ArchivingModelViewSet):
    """Create and update go through journeys.services; DELETE archives (rows are kept)."""

    def archive(self, instance):
        services.archive(self.request.auth, instance)


@extend_schema_view(list=extend_schema(parameters=[ARCHIVED]))
@extend_schema(tags=["journeys"])
class PersonaViewSet(JourneyMapViewSet):
    """Personas: typical customers, each optionally tied to a segment. DELETE archives."""

    model = Persona
    serializer_class = s.PersonaSerializer


@extend_schema_view(list=extend_schema(parameters=[ARCHIVED]))
@extend_schema(tags=["journeys"])
class JourneyViewSet(JourneyMapViewSet):
    """Journeys (customer, employee or user). DELETE archives the journey with its stages and
    touchpoints; their answers are kept."""

    model = Journey
    serializer_class = s.JourneySerializer

    @extend_schema(request=s.JourneyFromTemplateSerializer, responses={201: s.JourneySerializer})
    @action(detail=False, methods=["post"], url_path="from-template")
    def from_template(self, request):
        """A journey made from a template (stages and example touchpoints), in one call."""
        body = s.JourneyFromTemplateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        journey = services.create_journey_from_template(
            request.auth.organization,
            data["template"],
            request.auth,
            name=data.get("name") or None,
            persona=data.get("persona"),
        )
        return Response(s.JourneySerializer(journey).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[ARCHIVED, OpenApiParameter("journey", int, description="A journey's stages")]
    )
)
@extend_schema(tags=["journeys"])
class StageViewSet(JourneyMapViewSet):
    """Stages of a journey, ordered by ``position``. DELETE archives the stage and its
    touchpoints."""

    model = Stage
    serializer_class = s.StageSerializer

    def narrow(self, queryset, params):
        journey = object_filter(params, "journey", Journey, "journey")
        if journey is not None:
            queryset = queryset.filter(journey=journey)
        return queryset


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ARCHIVED,
            OpenApiParameter("journey", int, description="Touchpoints of this journey"),
            OpenApiParameter("stage", int, description="Touchpoints of this stage"),
            OpenApiParameter("key", str, description="The touchpoint with this key"),
        ]
    )
)
@extend_schema(tags=["journeys"])
class TouchpointViewSet(JourneyMapViewSet):
    """Touchpoints: the moments that are listened to. ``key`` names one in your systems (and in
    ``interactions``); ``public_key`` is its open QR/kiosk survey link. DELETE archives."""

    model = Touchpoint
    serializer_class = s.TouchpointSerializer

    def narrow(self, queryset, params):
        queryset = queryset.select_related("stage")
        journey = object_filter(params, "journey", Journey, "journey")
        if journey is not None:
            queryset = queryset.filter(stage__journey=journey)
        stage = object_filter(params, "stage", Stage, "stage")
        if stage is not None:
            queryset = queryset.filter(stage=stage)
        if params.get("key"):
            queryset = queryset.filter(key=params["key"])
        return queryset
