"""``GET /api/v1/metrics/``: NPS, CSAT or CES of the API key's organization, overall and by
group, with intervals, n, the response rate and the trend (surveys.metrics does the counting)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from vocapp.tenancy.scope import require_organization

from ..metrics import GROUPINGS, Filters, MetricsError, Period, measure
from ..models import ResponseChannel
from ..statistics import METRICS

ID_FILTERS = ("journey", "stage", "touchpoint", "segment")
ATTRIBUTE_PREFIX = "attr."
MAX_ATTRIBUTE_FILTERS = 10


# --- The answer -------------------------------------------------------------------------------


class MetricValueSerializer(serializers.Serializer):
    value = serializers.FloatField(
        allow_null=True,
        help_text="NPS −100..100; CSAT % satisfied (4–5 on 1–5); CES mean on 1..7. "
        "Null without answers.",
    )
    n = serializers.IntegerField(help_text="Answers counted.")
    ci95 = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="95 % interval [low, high]; null without answers (or with one CES answer).",
    )
    se = serializers.FloatField(allow_null=True, help_text="Standard error, in the value's unit.")
    reason = serializers.CharField(allow_null=True, help_text='"no_answers" when n is 0.')
    low_n = serializers.BooleanField(
        help_text="Fewer answers than the organization's minimum: read with care."
    )
    buckets = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="NPS promoters/passives/detractors; CSAT satisfied/neutral/dissatisfied; "
        "CES easy/neutral/hard.",
    )
    mean = serializers.FloatField(allow_null=True, help_text="Mean on the default scale.")
    easy_share = serializers.FloatField(allow_null=True, help_text="CES only: % easy.")
    level = serializers.FloatField(allow_null=True, help_text="0–100 on the scale.")


class ResponseRateSerializer(serializers.Serializer):
    answered = serializers.IntegerField()
    base = serializers.IntegerField(
        help_text="Invitations sent, delivered, answered or expired in the period."
    )
    rate = serializers.FloatField(allow_null=True, help_text="%; null without invitations.")
    warning = serializers.BooleanField(
        help_text="Below 10 %: those who answered may not speak for the others."
    )


class MetricGroupSerializer(MetricValueSerializer):
    key = serializers.CharField(
        help_text='Day "2026-03-02", ISO week "2026-W10", month "2026-03", a touchpoint or '
        'stage id, a channel, an attribute value; "" for answers without one.'
    )
    label = serializers.CharField()
    response_rate = ResponseRateSerializer()


class MetricChangeSerializer(serializers.Serializer):
    delta = serializers.FloatField(
        allow_null=True, help_text="This period − the previous one; null if either has no answer."
    )
    significant = serializers.BooleanField(help_text="|Δ| > 1.96·√(SE₁² + SE₂²).")


@extend_schema_serializer(many=False)
class MeasurementSerializer(serializers.Serializer):
    organization = serializers.CharField(help_text="The API key's organization (its slug).")
    metric = serializers.ChoiceField(choices=METRICS)
    since = serializers.DateField()
    until = serializers.DateField()
    computed_live = serializers.BooleanField(
        help_text="Read from the raw answers (segment or attribute filters, attr: groupings)."
    )
    overall = MetricValueSerializer()
    response_rate = ResponseRateSerializer()
    groups = MetricGroupSerializer(many=True)
    previous = MetricValueSerializer(help_text="The same filters over the previous period.")
    change = MetricChangeSerializer()


def value_fields(value) -> dict:
    return {
        "value": value.value,
        "n": value.n,
        "ci95": list(value.ci95) if value.ci95 is not None else None,
        "se": value.se,
        "reason": value.reason,
        "low_n": value.low_n,
        "buckets": dict(value.buckets),
        "mean": value.mean,
        "easy_share": value.easy_share,
        "level": value.level,
    }


def rate_fields(rate) -> dict:
    return {
        "answered": rate.answered,
        "base": rate.base,
        "rate": rate.rate,
        "warning": rate.warning,
    }


def answer_of(organization, measurement) -> dict:
    period = measurement.filters.period
    return {
        "organization": organization.slug,
        "metric": measurement.metric,
        "since": period.since,
        "until": period.until,
        "computed_live": measurement.computed_live,
        "overall": value_fields(measurement.overall),
        "response_rate": rate_fields(measurement.response_rate),
        "groups": [
            {
                "key": group.key,
                "label": group.label,
                **value_fields(group.value),
                "response_rate": rate_fields(group.response_rate),
            }
            for group in measurement.groups
        ],
        "previous": value_fields(measurement.previous),
        "change": {
            "delta": measurement.change.delta,
            "significant": measurement.change.significant,
        },
    }


# --- The question -----------------------------------------------------------------------------


def id_of(params, name: str) -> int | None:
    value = params.get(name, "")
    if value == "":
        return None
    if not (value.isascii() and value.isdigit()):
        raise MetricsError(name, _("Give an id as a whole number."))
    return int(value)


def attribute_filters(params) -> tuple[tuple[str, str], ...]:
    found = []
    for name in params:
        if name.startswith(ATTRIBUTE_PREFIX):
            found.extend((name[len(ATTRIBUTE_PREFIX) :], value) for value in params.getlist(name))
    if len(found) > MAX_ATTRIBUTE_FILTERS:
        raise MetricsError("attr", _("At most 10 attribute filters."))
    return tuple(found)


def asked(organization, params):
    """(metric, filters, group_by) from the query parameters; MetricsError names a bad one."""
    period = Period.parse(organization, params.get("since"), params.get("until"))
    filters = Filters(
        period=period,
        channel=params.get("channel") or None,
        attributes=attribute_filters(params),
        **{name: id_of(params, name) for name in ID_FILTERS},
    )
    return params.get("metric") or "nps", filters, params.get("group_by") or None


ID_HELP = "An id of the organization's {}: 400 if there is none."


@extend_schema(
    tags=["metrics"],
    parameters=[
        OpenApiParameter("metric", str, enum=list(METRICS), description="nps (default), csat, ces"),
        OpenApiParameter("touchpoint", int, description=ID_HELP.format("touchpoints")),
        OpenApiParameter("journey", int, description=ID_HELP.format("journeys")),
        OpenApiParameter("stage", int, description=ID_HELP.format("stages")),
        OpenApiParameter(
            "segment",
            int,
            description=ID_HELP.format("segments") + " Computed live from the raw answers.",
        ),
        OpenApiParameter("channel", str, enum=ResponseChannel.values),
        OpenApiParameter(
            "since",
            str,
            description="First local day (YYYY-MM-DD, the organization's time zone); "
            "default: 29 days before until.",
        ),
        OpenApiParameter("until", str, description="Last local day (YYYY-MM-DD); default today."),
        OpenApiParameter(
            "group_by",
            str,
            description="One of " + ", ".join(GROUPINGS) + ", or attr:<name> (an interaction "
            "attribute, computed live). Add attr.<name>=<value> parameters to keep the answers "
            "to interactions with that attribute (computed live).",
        ),
    ],
    responses=MeasurementSerializer,
)
class MetricsViewSet(viewsets.ViewSet):
    """NPS, CSAT or CES over a period, overall and by group, with its 95 % interval, n, the
    response rate and the change from the previous period of the same length. Served from the
    rollups (at most a minute behind), from the raw answers when filtered by segment or
    interaction attribute."""

    def list(self, request):
        organization = require_organization()
        try:
            metric, filters, group_by = asked(organization, request.query_params)
            measurement = measure(organization, metric, filters, group_by)
        except MetricsError as error:
            raise ValidationError({error.field: [error.message]}) from None
        return Response(MeasurementSerializer(answer_of(organization, measurement)).data)
