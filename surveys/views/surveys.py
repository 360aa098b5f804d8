"""Survey pages: the list, creation from the library or blank, the editor and its live preview.

Admins and CX managers edit ("configure"); agents read the editor with every field disabled.
"""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _

from vocapp.tenancy.access import require_capability
from vocapp.tenancy.audit import changed_fields, record_audit, snapshot

from ..content import Content, SurveyContentError, locales, normalize_question, version_content
from ..forms import NewSurveyForm, QuestionForm, QuestionFormSet, SurveyForm, editor_content
from ..library import SURVEYS, UnknownLibrarySurvey, create_from_library
from ..models import ListeningRule, Question, QuestionKind, Survey
from ..rendering import survey_locale, survey_page_context
from ..selectors import count_active_uses, live_surveys
from ..versioning import (
    AnsweredQuestionRemoved,
    answered_questions,
    create_survey,
    save_survey_content,
)
from .base import ConfigurePage, SurveysPage, get_live

QUESTION_PREFIX = "q"


def blank_content() -> Content:
    """A blank survey starts with one NPS question, to change at will."""
    return Content(
        questions=[
            {
                "key": "nps",
                "kind": QuestionKind.NPS,
                "texts": {
                    "en": "How likely are you to recommend us to a friend or colleague?",
                    "fr": "Quelle est la probabilité que vous nous recommandiez à un proche ?",
                },
                "required": True,
            }
        ]
    )


class SurveyListView(SurveysPage):
    def get(self, request, org_slug):
        surveys = list(live_surveys())
        for survey in surveys:
            versions = survey.versions.all()
            survey.current = versions[0] if versions else None
        return self.render_page("surveys/list.html", {"surveys": surveys})


class SurveyNewView(ConfigurePage):
    """The library of ready surveys, and a blank one; one click creates the survey."""

    def get(self, request, org_slug):
        return self.render_new(NewSurveyForm())

    def post(self, request, org_slug):
        form = NewSurveyForm(request.POST)
        if not form.is_valid():
            return self.render_new(form, status=400)
        key = form.cleaned_data["library_key"]
        try:
            if key:
                survey = create_from_library(request.user, self.organization, key)
            else:
                survey = create_survey(
                    request.user, name=form.cleaned_data["name"].strip(), content=blank_content()
                )
        except UnknownLibrarySurvey:
            form.add_error(None, _("This survey is not in the library."))
            return self.render_new(form, status=400)
        messages.success(
            request, _("Survey “%(name)s” created. Adjust it below.") % {"name": survey.name}
        )
        return redirect("surveys:edit", org_slug=org_slug, pk=survey.pk)

    def render_new(self, form, status=200):
        library = [
            {
                "key": item.key,
                "label": item.label(),
                "summary": item.summary(),
                "timing": item.timing,
                "questions": [
                    question["texts"].get(self.request.LANGUAGE_CODE) or question["texts"]["en"]
                    for question in item.questions
                ],
            }
            for item in SURVEYS
        ]
        return self.render_page(
            "surveys/new.html", {"form": form, "library": library}, status=status
        )


def question_initial(version) -> list[dict]:
    return [QuestionForm.initial_for(question) for question in version_content(version).questions]


def apply_move(pairs: list, move: str) -> list:
    """``move`` is "<form index>:up" or ":down": swap that question with its neighbour."""
    index, _sep, direction = move.partition(":")
    prefixes = [form.prefix for form, _data in pairs]
    prefix = f"{QUESTION_PREFIX}-{index}"
    if prefix not in prefixes or direction not in ("up", "down"):
        return pairs
    position = prefixes.index(prefix)
    other = position - 1 if direction == "up" else position + 1
    if 0 <= other < len(pairs):
        pairs = list(pairs)
        pairs[position], pairs[other] = pairs[other], pairs[position]
    return pairs


class SurveyEditView(SurveysPage):
    """The editor beside a phone-sized preview; saving versions the survey when needed."""

    def get(self, request, org_slug, pk):
        survey = get_live(Survey.objects.all(), pk)
        version = survey.current_version
        return self.render_editor(
            survey,
            SurveyForm(instance=survey, version=version),
            QuestionFormSet(prefix=QUESTION_PREFIX, initial=question_initial(version)),
        )

    def post(self, request, org_slug, pk):
        require_capability(self.membership, "configure")
        survey = get_live(Survey.objects.all(), pk)
        version = survey.current_version
        before = snapshot(survey, ["name", "description"])
        form = SurveyForm(request.POST, instance=survey, version=version)
        formset = QuestionFormSet(
            request.POST, prefix=QUESTION_PREFIX, initial=question_initial(version)
        )
        if not (form.is_valid() and formset.is_valid()):
            return self.render_editor(survey, form, formset, status=400)
        pairs = apply_move(formset.questions(), request.POST.get("move", ""))
        content = editor_content(form, [data for _form, data in pairs])
        try:
            with transaction.atomic():
                saved, created = save_survey_content(request.user, survey, content)
                survey = form.save()
                changes = changed_fields(before, snapshot(survey, ["name", "description"]))
                if changes:
                    record_audit(request.user, "survey.saved", survey, changes)
        except SurveyContentError as error:
            formset.show_errors([form_ for form_, _data in pairs], error.errors)
            for name in ("intro", "thank_you"):
                for message in error.errors.get(name, []):
                    form.add_error(None, message)
            return self.render_editor(survey, form, formset, status=400)
        except AnsweredQuestionRemoved as error:
            form.add_error(None, str(error))
            return self.render_editor(survey, form, formset, status=409)
        if created:
            messages.success(
                request,
                _(
                    "Saved as version %(number)s. The answers given to the previous version are "
                    "kept as they were."
                )
                % {"number": saved.number},
            )
        else:
            messages.success(request, _("Survey saved."))
        return redirect("surveys:edit", org_slug=org_slug, pk=survey.pk)

    def render_editor(self, survey, form, formset, status=200):
        can_configure = self.membership.can("configure")
        answered = set(answered_questions(survey))
        for question_form in formset.forms:
            question_form.is_answered = question_form.initial.get("key") in answered
            question_form.is_existing = bool(question_form.initial.get("key"))
        return self.render_page(
            "surveys/edit.html",
            {
                "survey": survey,
                "form": form,
                "formset": formset,
                "version": survey.current_version,
                "intro_fields": form.text_fields("intro"),
                "thank_you_fields": form.text_fields("thank_you"),
                "locales": locales(),
                "preview_locale": survey_locale(None, self.organization),
                "readonly": not can_configure,
                "rule_count": ListeningRule.objects.filter(
                    survey=survey, archived_at__isnull=True
                ).count(),
            },
            status=status,
        )


def framed(response):
    """Let the editor of the same site show this page in its preview frame (and no one else)."""
    response["X-Frame-Options"] = "SAMEORIGIN"
    response._csp_replace = {"frame-ancestors": ["'self'"]}
    return response


class SurveyPreviewView(SurveysPage):
    """The public survey template for the current version (GET), or for the editor's unsaved
    content (POST, nothing saved), in ``?locale=``."""

    def get(self, request, org_slug, pk):
        survey = get_live(Survey.objects.all(), pk)
        version = survey.current_version
        return self.render_preview(version.intro, version.thank_you, list(version.questions.all()))

    def post(self, request, org_slug, pk):
        require_capability(self.membership, "configure")
        get_live(Survey.objects.all(), pk)
        formset = QuestionFormSet(request.POST, prefix=QUESTION_PREFIX)
        formset.is_valid()
        # Show what can be shown: a question still being written is simply left out.
        entries = []
        for index, question_form in enumerate(formset.forms):
            if not question_form.is_valid():
                continue
            data = question_form.cleaned_data
            if data.get("DELETE") or data.get("kind") not in QuestionKind.values:
                continue
            order = data.get("ORDER")
            entries.append((order if order is not None else 10_000 + index, index, question_form))
        questions = [
            Question(**normalize_question(question_form.question_data()))
            for _order, _index, question_form in sorted(entries, key=lambda entry: entry[:2])
        ]
        return self.render_preview(
            {code: request.POST.get(f"intro_{code}", "") for code in locales()},
            {code: request.POST.get(f"thank_you_{code}", "") for code in locales()},
            questions,
        )

    def render_preview(self, intro, thank_you, questions):
        locale = survey_locale(self.request.GET.get("locale"), self.organization)
        context = survey_page_context(
            self.organization,
            intro=intro,
            thank_you=thank_you,
            questions=questions,
            locale=locale,
            preview=True,
        )
        return framed(self.render_page("surveys/public/survey.html", context))


class SurveyArchiveView(ConfigurePage):
    """Hide a survey from lists; its versions and answers stay. Refused while rules use it."""

    def post(self, request, org_slug, pk):
        survey = get_live(Survey.objects.all(), pk)
        users = count_active_uses(survey)
        if users:
            messages.error(
                request,
                _(
                    "This survey is still used by %(count)s active listening rule(s) or "
                    "campaign(s): archive or deactivate them first."
                )
                % {"count": users},
            )
            return redirect("surveys:edit", org_slug=org_slug, pk=survey.pk)
        survey.archived_at = timezone.now()
        survey.save(update_fields=["archived_at"])
        record_audit(request.user, "survey.archived", survey)
        messages.success(
            request, _("Survey “%(name)s” archived; its answers are kept.") % {"name": survey.name}
        )
        return redirect("surveys:list", org_slug=org_slug)
