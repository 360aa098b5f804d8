from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework import serializers

from journeys.models import Touchpoint
from vocapp.api.fields import ScopedPrimaryKeyRelatedField
from vocapp.contacts.models import Segment
from vocapp.tenancy.audit import changed_fields, record_audit, snapshot
from vocapp.tenancy.scope import require_organization

from ..content import Content, SurveyContentError, version_content
from ..models import Campaign, ListeningRule, QuestionKind, SendChannel, Survey, question_key
from ..versioning import create_survey, save_survey_content


class LiveScopedField(ScopedPrimaryKeyRelatedField):
    """A reference to an object of the organization that is not archived; an archived one or
    another organization's is answered like an id that does not exist."""

    def get_queryset(self):
        return self.model.objects.filter(archived_at__isnull=True)


def texts_field(max_length, **kwargs):
    return serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=max_length),
        help_text='Per language, e.g. {"en": "...", "fr": "..."}.',
        **kwargs,
    )


class ChoiceSerializer(serializers.Serializer):
    key = serializers.CharField(max_length=40, help_text="Stored in the answers; keep it stable.")
    texts = texts_field(200)


class QuestionSerializer(serializers.Serializer):
    key = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        validators=[question_key],
        help_text="Follows the question across versions; made from the kind when absent. "
        "Send the keys back unchanged when you update.",
    )
    kind = serializers.ChoiceField(choices=QuestionKind.choices)
    texts = texts_field(500)
    scale_min = serializers.IntegerField(
        required=False, allow_null=True, help_text="NPS 0, CSAT 1, CES 1 by default."
    )
    scale_max = serializers.IntegerField(
        required=False, allow_null=True, help_text="NPS 10, CSAT 5, CES 7 by default."
    )
    choices = ChoiceSerializer(many=True, required=False)
    required = serializers.BooleanField(required=False, default=False)
    show_if_score_min = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="A follow-up: asked only when the first scored answer is in this range.",
    )
    show_if_score_max = serializers.IntegerField(required=False, allow_null=True)


def content_errors(error: SurveyContentError) -> serializers.ValidationError:
    return serializers.ValidationError(error.errors)


class SurveySerializer(serializers.ModelSerializer):
    """A survey with its current version's texts and questions (``version`` is read-only)."""

    version = serializers.SerializerMethodField()
    intro = texts_field(1000, required=False)
    thank_you = texts_field(1000, required=False)
    questions = QuestionSerializer(many=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "name",
            "description",
            "library_key",
            "version",
            "intro",
            "thank_you",
            "questions",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["id", "library_key", "version", "created_at", "archived_at"]

    @staticmethod
    def current(survey):
        versions = list(survey.versions.all())
        return max(versions, key=lambda version: version.number) if versions else None

    def get_version(self, survey) -> int | None:
        version = self.current(survey)
        return version.number if version else None

    def to_representation(self, survey):
        version = self.current(survey)
        content = version_content(version) if version else Content()
        # The current version's content, shown as if it were the survey's own fields.
        survey.intro, survey.thank_you = content.intro, content.thank_you
        survey.questions = content.questions
        return super().to_representation(survey)

    def create(self, validated_data):
        actor = validated_data.pop("actor", None)
        try:
            return create_survey(
                actor,
                name=validated_data["name"],
                description=validated_data.get("description", ""),
                content=Content(
                    intro=validated_data.get("intro", {}),
                    thank_you=validated_data.get("thank_you", {}),
                    questions=[dict(q) for q in validated_data["questions"]],
                ),
            )
        except SurveyContentError as error:
            raise content_errors(error) from None

    @transaction.atomic
    def update(self, survey, validated_data):
        """The content first (it may refuse with 409), then the name; all or nothing."""
        actor = validated_data.pop("actor", None)
        current = version_content(self.current(survey))
        if {"intro", "thank_you", "questions"} & set(validated_data):
            content = Content(
                intro=validated_data.get("intro", current.intro),
                thank_you=validated_data.get("thank_you", current.thank_you),
                questions=[dict(q) for q in validated_data.get("questions", current.questions)],
            )
            try:
                save_survey_content(actor, survey, content)
            except SurveyContentError as error:
                raise content_errors(error) from None
        before = snapshot(survey, ["name", "description"])
        for name in ("name", "description"):
            if name in validated_data:
                setattr(survey, name, validated_data[name])
        changes = changed_fields(before, snapshot(survey, ["name", "description"]))
        if changes:
            survey.save(update_fields=list(changes))
            record_audit(actor, "survey.saved", survey, changes)
        return survey


class ChannelsField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.ChoiceField(choices=SendChannel.choices),
            allow_empty=False,
            max_length=2,
            help_text='In order of preference, e.g. ["sms", "email"].',
            **kwargs,
        )


class ModelCleanMixin:
    """Runs the model's ``clean()`` on the object as it would be saved: the same rules as the
    pages, each error under its field."""

    def validate(self, attrs):
        attrs = super().validate(attrs)
        model = self.Meta.model
        candidate = model(organization=require_organization())
        if self.instance is not None:
            for field in model._meta.concrete_fields:
                setattr(candidate, field.attname, getattr(self.instance, field.attname))
        for name, value in attrs.items():
            setattr(candidate, name, value)
        try:
            candidate.clean()
        except DjangoValidationError as error:
            raise serializers.ValidationError(error.message_dict) from None
        return attrs


class AuditedModelSerializer(ModelCleanMixin, serializers.ModelSerializer):
    audit_name = ""

    def create(self, validated_data):
        actor = validated_data.pop("actor", None)
        obj = super().create(validated_data)
        record_audit(actor, f"{self.audit_name}.created", obj, snapshot(obj, self.audited()))
        return obj

    def update(self, instance, validated_data):
        actor = validated_data.pop("actor", None)
        before = snapshot(instance, self.audited())
        obj = super().update(instance, validated_data)
        changes = changed_fields(before, snapshot(obj, self.audited()))
        if changes:
            record_audit(actor, f"{self.audit_name}.saved", obj, changes)
        return obj

    def audited(self):
        return [name for name in self.Meta.fields if name not in self.Meta.read_only_fields]


class ListeningRuleSerializer(AuditedModelSerializer):
    audit_name = "listening_rule"
    touchpoint = LiveScopedField(model=Touchpoint, help_text="A touchpoint id.")
    survey = LiveScopedField(model=Survey, help_text="A survey id.")
    segment = ScopedPrimaryKeyRelatedField(
        model=Segment, required=False, allow_null=True, help_text="Only contacts of this segment."
    )
    channels = ChannelsField()
    touchpoint_key = serializers.CharField(source="touchpoint.key", read_only=True)
    survey_name = serializers.CharField(source="survey.name", read_only=True)

    class Meta:
        model = ListeningRule
        fields = [
            "id",
            "touchpoint",
            "touchpoint_key",
            "survey",
            "survey_name",
            "channels",
            "timing",
            "delay_minutes",
            "priority",
            "sampling_percent",
            "segment",
            "reminder_after_days",
            "expiry_days",
            "max_delay_minutes",
            "active",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["id", "touchpoint_key", "survey_name", "created_at", "archived_at"]


class CampaignSerializer(AuditedModelSerializer):
    audit_name = "campaign"
    survey = LiveScopedField(model=Survey, help_text="A survey id.")
    segment = ScopedPrimaryKeyRelatedField(
        model=Segment, required=False, allow_null=True, help_text="Empty: every contact."
    )
    channels = ChannelsField()
    warnings = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = [
            "id",
            "name",
            "survey",
            "segment",
            "channels",
            "starts_on",
            "repeat_every_days",
            "sample_size",
            "active",
            "warnings",
            "created_at",
            "archived_at",
        ]
        read_only_fields = ["id", "warnings", "created_at", "archived_at"]

    def get_warnings(self, campaign) -> list[str]:
        if campaign.too_frequent:
            return [
                f"Repeats every {campaign.repeat_every_days} days: more often than twice a year."
            ]
        return []
