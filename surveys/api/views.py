from django.db.models import Prefetch
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status
from rest_framework.exceptions import APIException

from journeys.models import Touchpoint
from vocapp.api.filters import object_filter
from vocapp.tenancy.api.base import ARCHIVED, ArchivingModelViewSet
from vocapp.tenancy.audit import record_audit

from ..models import Campaign, ListeningRule, Survey, SurveyVersion
from ..selectors import count_active_uses
from ..versioning import AnsweredQuestionRemoved
from . import serializers as s

CONFLICT = OpenApiResponse(description="The change would lose answers; nothing was changed.")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = "This change conflicts with stored answers."


class ArchivingViewSet(ArchivingModelViewSet):
    """An archived survey, rule or campaign can be read but no longer changed."""

    def narrow_queryset(self, queryset):
        queryset = super().narrow_queryset(queryset)
        if self.action not in ("list", "retrieve"):
            queryset = queryset.filter(archived_at__isnull=True)
        return queryset

    def archive(self, instance):
        instance.archived_at = timezone.now()
        fields = ["archived_at"]
        if hasattr(instance, "active"):
            instance.active = False
            fields.append("active")
        instance.save(update_fields=fields)
        record_audit(self.request.auth, f"{self.audit_name}.archived", instance)


@extend_schema_view(
    list=extend_schema(parameters=[ARCHIVED]),
    update=extend_schema(responses={200: s.SurveySerializer, 409: CONFLICT}),
    partial_update=extend_schema(responses={200: s.SurveySerializer, 409: CONFLICT}),
    destroy=extend_schema(responses={204: None, 409: CONFLICT}),
)
@extend_schema(tags=["surveys"])
class SurveyViewSet(ArchivingViewSet):
    """Surveys with the questions of their current version. Updating the questions of a survey
    that has answers makes a new version (``version`` goes up; the answers stay with the version
    they answered). An answered question keeps its type and scale (400 naming it) and cannot be
    dropped (409, nothing changed). DELETE archives (409 while active rules or campaigns use
    it)."""

    model = Survey
    serializer_class = s.SurveySerializer
    audit_name = "survey"

    def narrow(self, queryset, params):
        return queryset.prefetch_related(
            Prefetch("versions", queryset=SurveyVersion.objects.prefetch_related("questions"))
        )

    def perform_update(self, serializer):
        try:
            super().perform_update(serializer)
        except AnsweredQuestionRemoved as error:
            raise Conflict(str(error)) from None

    def perform_destroy(self, instance):
        in_use = count_active_uses(instance)
        if in_use:
            raise Conflict(
                "Active listening rules or campaigns use this survey; archive them first."
            )
        super().perform_destroy(instance)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            ARCHIVED,
            OpenApiParameter("touchpoint", int, description="The rules of this touchpoint"),
            OpenApiParameter("survey", int, description="The rules sending this survey"),
        ]
    )
)
@extend_schema(tags=["listening"])
class ListeningRuleViewSet(ArchivingViewSet):
    """How each touchpoint is listened to: survey, channels in order of preference, timing (hot,
    or warm after ``delay_minutes``), priority, sampling, segment, one reminder, expiry. DELETE
    archives."""

    model = ListeningRule
    serializer_class = s.ListeningRuleSerializer
    audit_name = "listening_rule"

    def narrow(self, queryset, params):
        queryset = queryset.select_related("touchpoint", "survey")
        touchpoint = object_filter(params, "touchpoint", Touchpoint, "touchpoint")
        if touchpoint is not None:
            queryset = queryset.filter(touchpoint=touchpoint)
        survey = object_filter(params, "survey", Survey, "survey")
        if survey is not None:
            queryset = queryset.filter(survey=survey)
        return queryset


@extend_schema_view(list=extend_schema(parameters=[ARCHIVED]))
@extend_schema(tags=["listening"])
class CampaignViewSet(ArchivingViewSet):
    """Cold barometers: a survey sent to a segment from ``starts_on``, repeated every
    ``repeat_every_days`` (``warnings`` says when that is more often than twice a year). DELETE
    archives."""

    model = Campaign
    serializer_class = s.CampaignSerializer
    audit_name = "campaign"
