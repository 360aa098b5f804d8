"""``responses`` in the API (read): what customers answered, with each answer."""

from datetime import datetime, time

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from journeys.models import Journey, Touchpoint
from vocapp.api.filters import choice_filter, object_filter
from vocapp.tenancy.api.base import OrganizationViewSetMixin
from vocapp.tenancy.scope import require_organization

from ..models import SCORED_KINDS, Answer, Question, Response, ResponseChannel


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.key", help_text="The question's key.")
    kind = serializers.CharField(source="question.kind", help_text="nps, csat, ces, text, ...")
    score = serializers.IntegerField(allow_null=True, help_text="Scored questions only.")
    choices = serializers.ListField(
        child=serializers.CharField(), help_text="The keys of the choices picked."
    )

    class Meta:
        model = Answer
        fields = ["question", "kind", "score", "text", "choices", "created_at"]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    survey = serializers.IntegerField(source="survey_version.survey_id", read_only=True)
    journey = serializers.SerializerMethodField(help_text="The touchpoint's journey.")
    contact_external_id = serializers.SerializerMethodField(help_text="Your id of the contact.")
    score = serializers.SerializerMethodField(
        help_text="The main question's score (the survey's first scored question), if answered."
    )
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "survey_version",
            "touchpoint",
            "journey",
            "contact",
            "contact_external_id",
            "invitation",
            "channel",
            "locale",
            "score",
            "started_at",
            "completed_at",
            "answers",
        ]
        read_only_fields = fields

    def get_journey(self, response) -> int | None:
        return response.touchpoint.stage.journey_id if response.touchpoint_id else None

    def get_contact_external_id(self, response) -> str | None:
        return response.contact.external_id if response.contact_id else None

    def get_score(self, response) -> int | None:
        return response.main_score


def with_main_score(queryset):
    """Annotate ``main_score``: the answer to the version's first scored, non-follow-up
    question (the one the indicators read), in one subquery."""
    main = Question.objects.filter(
        version=OuterRef(OuterRef("survey_version")),
        kind__in=SCORED_KINDS,
        show_if_score_min__isnull=True,
    ).order_by("position", "id")
    score = Answer.objects.filter(response=OuterRef("pk"), question=Subquery(main.values("pk")[:1]))
    return queryset.annotate(main_score=Subquery(score.values("score")[:1]))


def moment(params, name: str, *, end: bool):
    """``since``/``until``: an ISO 8601 date and time, or a date (its whole day, in the
    organization's time zone); a time without offset is read in that time zone too."""
    value = params.get(name, "")
    if not value:
        return None
    zone = require_organization().zone
    try:
        # A date first: parse_datetime would read "2026-03-05" as its midnight.
        day = parse_date(value)
        parsed = parse_datetime(value) if day is None else None
    except ValueError:
        parsed = day = None
    if parsed is None and day is None:
        raise ValidationError({name: [f"'{value[:40]}' is not an ISO 8601 date or date and time."]})
    if day is not None:
        parsed = datetime.combine(day, time.max if end else time.min)
    return timezone.make_aware(parsed, zone) if timezone.is_naive(parsed) else parsed


def score_bound(params, name: str) -> int | None:
    value = params.get(name, "")
    if value == "":
        return None
    try:
        return int(value)
    except ValueError:
        raise ValidationError({name: [f"'{value[:40]}' is not a whole number."]}) from None


@extend_schema(
    tags=["responses"],
    parameters=[
        OpenApiParameter("touchpoint", int),
        OpenApiParameter("journey", int),
        OpenApiParameter("channel", str, enum=ResponseChannel.values),
        OpenApiParameter(
            "since", str, description="Started at or after (ISO 8601 date or date and time)."
        ),
        OpenApiParameter(
            "until", str, description="Started at or before (ISO 8601 date or date and time)."
        ),
        OpenApiParameter("score_min", int, description="Main score at least."),
        OpenApiParameter("score_max", int, description="Main score at most."),
        OpenApiParameter("completed", bool, description="true: sent in full; false: partial."),
    ],
)
class ResponseViewSet(
    OrganizationViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """What customers answered, newest first: each response with its answers, the main score,
    partial ones included (``completed_at`` is null until the customer sent the survey)."""

    model = Response
    serializer_class = ResponseSerializer

    def narrow_queryset(self, queryset):
        params = self.request.query_params
        touchpoint = object_filter(params, "touchpoint", Touchpoint, "touchpoint")
        if touchpoint is not None:
            queryset = queryset.filter(touchpoint=touchpoint)
        journey = object_filter(params, "journey", Journey, "journey")
        if journey is not None:
            queryset = queryset.filter(touchpoint__stage__journey=journey)
        channel = choice_filter(params, "channel", ResponseChannel)
        if channel:
            queryset = queryset.filter(channel=channel)
        queryset = self.narrow_by_time(queryset, params)
        queryset = self.narrow_by_score(with_main_score(queryset), params)
        completed = params.get("completed", "").lower()
        if completed:
            if completed not in ("true", "1", "false", "0"):
                raise ValidationError({"completed": ["Use true or false."]})
            queryset = queryset.filter(completed_at__isnull=completed in ("false", "0"))
        answers = Answer.objects.select_related("question").order_by("question__position", "pk")
        return queryset.select_related("contact", "touchpoint__stage").prefetch_related(
            Prefetch("answers", queryset=answers)
        )

    @staticmethod
    def narrow_by_time(queryset, params):
        since, until = moment(params, "since", end=False), moment(params, "until", end=True)
        if since is not None:
            queryset = queryset.filter(started_at__gte=since)
        if until is not None:
            queryset = queryset.filter(started_at__lte=until)
        return queryset

    @staticmethod
    def narrow_by_score(queryset, params):
        low, high = score_bound(params, "score_min"), score_bound(params, "score_max")
        if low is not None:
            queryset = queryset.filter(main_score__gte=low)
        if high is not None:
            queryset = queryset.filter(main_score__lte=high)
        return queryset
