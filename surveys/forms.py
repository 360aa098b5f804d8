from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from journeys.models import Touchpoint
from vocapp.contacts.models import Segment

from .content import MAX_QUESTIONS, Content, locales
from .models import (
    Campaign,
    InvitationState,
    ListeningRule,
    QuestionKind,
    SendChannel,
    SuppressionReason,
    Survey,
    question_key,
)

LANGUAGE_NAMES = {"en": _("English"), "fr": _("French")}


def language_name(code):
    return LANGUAGE_NAMES.get(code, code)


class SurveyForm(forms.ModelForm):
    """Name, description, and the introduction and thank-you texts in each language."""

    class Meta:
        model = Survey
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        for part, label, help_text in (
            ("intro", _("Introduction"), _("Shown above the questions.")),
            ("thank_you", _("Thank-you text"), _("Shown once the answers are sent.")),
        ):
            texts = getattr(version, part, {}) if version else {}
            for code in locales():
                self.fields[f"{part}_{code}"] = forms.CharField(
                    label=f"{label} ({language_name(code)})",
                    required=False,
                    max_length=1000,
                    initial=texts.get(code, ""),
                    help_text=help_text,
                    widget=forms.Textarea(attrs={"rows": 2}),
                )

    def texts(self, part: str) -> dict:
        return {code: self.cleaned_data.get(f"{part}_{code}", "") for code in locales()}

    def text_fields(self, part: str):
        return [self[f"{part}_{code}"] for code in locales()]


class NewSurveyForm(forms.Form):
    """Create a survey: from the library (``library_key``) or blank (``name``)."""

    library_key = forms.CharField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("library_key") and not (data.get("name") or "").strip():
            self.add_error("name", _("Give the new survey a name."))
        return data


class QuestionForm(forms.Form):
    """One question of the editor, its texts and choices one field per language."""

    key = forms.CharField(
        label=_("Key"),
        required=False,
        max_length=40,
        validators=[question_key],
        help_text=_("How exports and the API name this question; made from the type if empty."),
    )
    kind = forms.ChoiceField(label=_("Type"), required=False)
    scale_min = forms.IntegerField(label=_("Scale from"), required=False, min_value=0)
    scale_max = forms.IntegerField(
        label=_("to"),
        required=False,
        max_value=11,
        help_text=_("CES only (1 to 7 by default). NPS is always 0–10 and CSAT 1–5."),
    )
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    show_if_score_min = forms.IntegerField(label=_("Only after a score from"), required=False)
    show_if_score_max = forms.IntegerField(
        label=_("to"),
        required=False,
        help_text=_(
            "A follow-up: asked only when the answer to the first scored question is in this "
            "range, e.g. 0 to 6 to ask detractors what went wrong."
        ),
    )
    choice_keys = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *QuestionKind.choices]
        for code in locales():
            self.fields[f"text_{code}"] = forms.CharField(
                label=_("Question (%(language)s)") % {"language": language_name(code)},
                required=False,
                max_length=500,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        for code in locales():
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Choices (%(language)s)") % {"language": language_name(code)},
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
                help_text=_(
                    "Single and multiple choice: one choice per line, new ones at the end."
                ),
            )

    def clean(self):
        data = super().clean()
        if self.has_changed() and not data.get("kind") and not self.errors:
            self.add_error("kind", _("Choose the type of question."))
        return data

    def text_fields(self):
        return [self[f"text_{code}"] for code in locales()]

    def choice_fields(self):
        return [self[f"choices_{code}"] for code in locales()]

    @classmethod
    def initial_for(cls, question: dict) -> dict:
        initial = {
            name: question.get(name)
            for name in (
                "key",
                "kind",
                "scale_min",
                "scale_max",
                "required",
                "show_if_score_min",
                "show_if_score_max",
            )
        }
        for code in locales():
            initial[f"text_{code}"] = question["texts"].get(code, "")
            initial[f"choices_{code}"] = "\n".join(
                choice["texts"].get(code, "") for choice in question.get("choices") or []
            )
        initial["choice_keys"] = ",".join(
            choice.get("key", "") for choice in question.get("choices") or []
        )
        return initial

    def question_data(self) -> dict:
        data = self.cleaned_data
        kind = data.get("kind") or ""
        return {
            "key": data.get("key") or "",
            "kind": kind,
            "texts": {code: data.get(f"text_{code}", "") for code in locales()},
            "scale_min": data.get("scale_min") if kind == QuestionKind.CES else None,
            "scale_max": data.get("scale_max") if kind == QuestionKind.CES else None,
            "choices": self.choices_data()
            if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
            else [],
            "required": bool(data.get("required")),
            "show_if_score_min": data.get("show_if_score_min"),
            "show_if_score_max": data.get("show_if_score_max"),
        }

    def choices_data(self) -> list[dict]:
        """Lines of each language side by side; a line keeps the key it had (hidden field)."""
        columns = {
            code: (self.cleaned_data.get(f"choices_{code}") or "").splitlines()
            for code in locales()
        }
        count = max((len(lines) for lines in columns.values()), default=0)
        keys = [key for key in (self.cleaned_data.get("choice_keys") or "").split(",") if key]
        choices, taken = [], set()
        for index in range(count):
            texts = {
                code: lines[index].strip() for code, lines in columns.items() if index < len(lines)
            }
            texts = {code: text for code, text in texts.items() if text}
            if not texts:
                continue
            key = keys[index] if index < len(keys) else ""
            if not key or key in taken:
                key = choice_key(next(iter(texts.values())), taken, index)
            taken.add(key)
            choices.append({"key": key, "texts": texts})
        return choices


def choice_key(text: str, taken: set, index: int) -> str:
    base = slugify(text).replace("-", "_")[:30] or f"choice_{index + 1}"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


# The fields of the question form that show each field of the content's errors.
ERROR_FIELDS = {"texts": "text_{first}", "choices": "choices_{first}"}


class BaseQuestionFormSet(forms.BaseFormSet):
    def questions(self) -> list[tuple[forms.Form, dict]]:
        """(form, question data) in the chosen order, removed and untouched blank ones left out."""
        return [(form, form.question_data()) for form in self.ordered_forms]

    def show_errors(self, forms_in_order, errors: dict) -> None:
        """Put the content's ``questions.<i>.<field>`` errors on the matching forms."""
        first = locales()[0]
        for path, messages in errors.items():
            parts = path.split(".")
            if parts[0] != "questions" or len(parts) < 3 or not parts[1].isdecimal():
                self._non_form_errors = self.error_class(
                    [*self.non_form_errors(), *messages], renderer=self.renderer
                )
                continue
            form = forms_in_order[int(parts[1])]
            name = ERROR_FIELDS.get(parts[2], parts[2]).format(first=first)
            if name not in form.fields:
                name = None
            for message in messages:
                form.add_error(name, message)


QuestionFormSet = forms.formset_factory(
    QuestionForm,
    formset=BaseQuestionFormSet,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_QUESTIONS,
    validate_max=True,
)


def editor_content(survey_form: SurveyForm, questions: list[dict]) -> Content:
    return Content(
        intro=survey_form.texts("intro"),
        thank_you=survey_form.texts("thank_you"),
        questions=questions,
    )


# --- listening rules and campaigns ---------------------------------------------------------------


class ChannelsWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        first = [("", "—"), *SendChannel.choices]
        super().__init__([forms.Select(choices=first), forms.Select(choices=first)], attrs)

    def decompress(self, value):
        value = list(value or [])
        return (value + [None, None])[:2]


class ChannelsField(forms.MultiValueField):
    """Channels in order of preference: a first choice, and optionally a fallback."""

    widget = ChannelsWidget

    def __init__(self, **kwargs):
        choices = SendChannel.choices
        super().__init__(
            fields=[
                forms.ChoiceField(choices=choices, required=False),
                forms.ChoiceField(choices=choices, required=False),
            ],
            require_all_fields=False,
            **kwargs,
        )

    def compress(self, data_list):
        return [channel for channel in (data_list or []) if channel]


class DelayUnit:
    HOURS = "hours"
    DAYS = "days"
    CHOICES = [(HOURS, _("hours")), (DAYS, _("days"))]
    MINUTES = {HOURS: 60, DAYS: 24 * 60}


def split_minutes(minutes: int) -> tuple[int, str]:
    if minutes and minutes % (24 * 60) == 0:
        return minutes // (24 * 60), DelayUnit.DAYS
    return (minutes or 0) // 60, DelayUnit.HOURS


def tenant_choice(model, label, **kwargs):
    """A choice among the organization's objects; the queryset is set per form (in scope)."""
    return forms.ModelChoiceField(queryset=model.objects.unscoped().none(), label=label, **kwargs)


class ScopedChoicesMixin:
    """Survey and segment choices from the organization in scope, archived surveys left out
    (except the one already chosen)."""

    def limit_choices(self):
        instance = self.instance
        self.fields["survey"].queryset = Survey.objects.filter(
            Q(archived_at__isnull=True) | Q(pk=instance.survey_id)
        )
        self.fields["segment"].queryset = Segment.objects.all()
        self.fields["segment"].empty_label = _("Everyone")


class ListeningRuleForm(ScopedChoicesMixin, forms.ModelForm):
    touchpoint = tenant_choice(Touchpoint, _("Touchpoint"))
    survey = tenant_choice(Survey, _("Survey"))
    segment = tenant_choice(
        Segment, _("Only for segment"), required=False, help_text=_("Empty: every contact.")
    )
    channels = ChannelsField(
        label=_("Channels, in order of preference"),
        help_text=_("The second channel is used when the first cannot reach the person."),
    )
    delay_value = forms.IntegerField(label=_("Delay"), min_value=0, required=False, initial=0)
    delay_unit = forms.ChoiceField(label=_("Unit"), choices=DelayUnit.CHOICES, required=False)
    max_delay_hours = forms.IntegerField(
        label=_("Hot: latest sending after the interaction (hours)"),
        min_value=1,
        max_value=72,
        initial=24,
        help_text=_(
            "Outside the sending window, a hot survey waits for the next opening only this long."
        ),
    )

    class Meta:
        model = ListeningRule
        fields = [
            "touchpoint",
            "survey",
            "channels",
            "timing",
            "priority",
            "sampling_percent",
            "segment",
            "reminder_after_days",
            "expiry_days",
            "active",
        ]
        widgets = {"timing": forms.RadioSelect}

    # Model errors on fields the form shows under another name.
    FIELD_FOR = {"delay_minutes": "delay_value", "max_delay_minutes": "max_delay_hours"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_choices()
        instance = self.instance
        touchpoints = Touchpoint.objects.filter(
            Q(archived_at__isnull=True) | Q(pk=instance.touchpoint_id)
        ).select_related("stage__journey")
        self.fields["touchpoint"].queryset = touchpoints.order_by(
            "stage__journey__name", "stage__position", "position", "pk"
        )
        self.fields["touchpoint"].label_from_instance = lambda tp: (
            f"{tp.stage.journey.name} › {tp.stage.name} › {tp.name}"
        )
        if instance.pk:
            value, unit = split_minutes(instance.delay_minutes)
            self.initial.setdefault("delay_value", value)
            self.initial.setdefault("delay_unit", unit)
            self.initial.setdefault("max_delay_hours", max(1, instance.max_delay_minutes // 60))
        self.order_fields(
            [
                "touchpoint",
                "survey",
                "channels",
                "timing",
                "delay_value",
                "delay_unit",
                "max_delay_hours",
            ]
        )

    def clean(self):
        data = super().clean()
        unit = data.get("delay_unit") or DelayUnit.HOURS
        self.instance.delay_minutes = (data.get("delay_value") or 0) * DelayUnit.MINUTES[unit]
        if data.get("max_delay_hours"):
            self.instance.max_delay_minutes = data["max_delay_hours"] * 60
        return data

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            errors = ValidationError(
                {self.FIELD_FOR.get(name, name): value for name, value in errors.error_dict.items()}
            )
        super()._update_errors(errors)


class CampaignForm(ScopedChoicesMixin, forms.ModelForm):
    survey = tenant_choice(Survey, _("Survey"))
    segment = tenant_choice(Segment, _("Segment"), required=False)
    channels = ChannelsField(label=_("Channels, in order of preference"))

    class Meta:
        model = Campaign
        fields = [
            "name",
            "survey",
            "segment",
            "channels",
            "starts_on",
            "repeat_every_days",
            "sample_size",
            "active",
        ]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "repeat_every_days": _(
                "Empty: once. 182 days is twice a year, the most a customer should be asked."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_choices()
        self.fields["segment"].empty_label = _("Every contact")

    @property
    def too_frequent(self) -> bool:
        """The warning of the form: repeating more often than twice a year."""
        if self.is_bound:
            try:
                days = int(self.data.get(self.add_prefix("repeat_every_days")) or 0)
            except (TypeError, ValueError):
                return False
        else:
            days = self.instance.repeat_every_days or self.initial.get("repeat_every_days") or 0
        return bool(days) and days < Campaign.MIN_COMFORTABLE_REPEAT_DAYS


class InvitationFilterForm(forms.Form):
    """The period and filters of the invitation pages; a value it does not know is ignored."""

    DEFAULTS = {"period": 30, "state": "", "reason": ""}

    period = forms.TypedChoiceField(
        label=_("Period"),
        choices=[(7, _("Last 7 days")), (30, _("Last 30 days")), (90, _("Last 90 days"))],
        coerce=int,
        required=False,
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("Every state")), *InvitationState.choices], required=False
    )
    reason = forms.ChoiceField(
        label=_("Why not sent"),
        choices=[("", _("Every reason")), *SuppressionReason.choices],
        required=False,
    )

    @classmethod
    def read(cls, query) -> tuple["InvitationFilterForm", dict]:
        """The values to apply (defaults instead of unknown ones) and a form showing them."""
        form = cls(query)
        form.is_valid()
        values = {name: form.cleaned_data.get(name) or cls.DEFAULTS[name] for name in cls.DEFAULTS}
        return cls(initial=values), values
