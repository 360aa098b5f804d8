"""Creating surveys and editing their content without ever changing what was answered.

A survey's questions live in numbered versions. Editing a survey whose current version already has
responses makes a new version; the old one, its questions and their answers stay exactly as they
were, and responses (later, invitations) keep pointing at the version they were given. A version
nobody has answered yet is edited in place.

A question is followed across versions by its ``key``. Once a key has answers, its type and its
scale are fixed (scores of different types or scales cannot be compared), and it cannot be dropped
from the survey (``AnsweredQuestionRemoved``): answers would lose their place in the results.
"""

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from vocapp.tenancy.audit import record_audit
from vocapp.tenancy.scope import require_organization

from .content import (
    Content,
    SurveyContentError,
    clean_content,
    normalize_question,
    version_content,
)
from .models import Answer, Question, Response, Survey, SurveyVersion


class AnsweredQuestionRemoved(Exception):
    """The new content drops questions that have answers; nothing was changed."""

    def __init__(self, questions: list[Question]):
        self.questions = questions
        names = ", ".join(f"“{question.key}” ({question})" for question in questions)
        super().__init__(
            _(
                "These questions have answers and cannot be removed: %(names)s. Keep them, or "
                "create another survey."
            )
            % {"names": names}
        )


def answered_questions(survey: Survey) -> dict[str, Question]:
    """Key -> the latest answered question of that key, over every version of the survey."""
    questions = (
        Question.objects.filter(version__survey=survey, answers__isnull=False)
        .distinct()
        .order_by("version__number")
    )
    return {question.key: question for question in questions}


def has_responses(version: SurveyVersion) -> bool:
    return Response.objects.filter(survey_version=version).exists()


def count_answers(survey: Survey) -> int:
    return Answer.objects.filter(question__version__survey=survey).count()


@transaction.atomic
def create_survey(actor, *, name: str, content: Content, description="", library_key="") -> Survey:
    """A new survey with its first version; raises SurveyContentError on invalid content."""
    organization = require_organization()
    content = clean_content(content)
    survey = Survey.objects.create(
        organization=organization, name=name, description=description, library_key=library_key
    )
    version = SurveyVersion.objects.create(
        organization=organization,
        survey=survey,
        number=1,
        intro=content.intro,
        thank_you=content.thank_you,
    )
    write_questions(version, content.questions)
    record_audit(
        actor,
        "survey.created",
        survey,
        {"version": 1, "questions": [q["key"] for q in content.questions], "from": library_key},
    )
    return survey


@transaction.atomic
def save_survey_content(actor, survey: Survey, content: Content) -> tuple[SurveyVersion, bool]:
    """Store ``content`` as the survey's current content.

    Returns ``(version, created)``: a new version when the current one has responses, else the
    current version edited in place (``created`` False; unchanged content writes nothing).
    Raises SurveyContentError (invalid content, or a type or scale change of an answered
    question, naming it) or AnsweredQuestionRemoved; in both cases nothing is written.
    """
    # One editor at a time per survey: the check of answers and the write go together.
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    current = survey.current_version
    answered = answered_questions(survey)
    # Both kinds of errors at once; for an answered question, "its type is fixed" says most.
    errors = answered_question_changes(
        [normalize_question(question) for question in content.questions], answered
    )
    try:
        content = clean_content(content)
    except SurveyContentError as error:
        errors = {**error.errors, **errors}
    if errors:
        raise SurveyContentError(errors)
    incoming = {question["key"] for question in content.questions}
    dropped = [
        question
        for question in current.questions.all()
        if question.key in answered and question.key not in incoming
    ]
    if dropped:
        raise AnsweredQuestionRemoved(dropped)
    before = version_content(current)
    if before == content:
        return current, False
    if has_responses(current):
        number = (survey.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        version = SurveyVersion.objects.create(
            organization=survey.organization,
            survey=survey,
            number=number,
            intro=content.intro,
            thank_you=content.thank_you,
        )
        write_questions(version, content.questions)
        created = True
    else:
        version = current
        version.intro, version.thank_you = content.intro, content.thank_you
        version.save(update_fields=["intro", "thank_you"])
        write_questions(version, content.questions)
        created = False
    record_audit(
        actor,
        "survey.content_saved",
        survey,
        {
            "version": version.number,
            "new_version": created,
            "questions": [
                [q["key"] for q in before.questions],
                [q["key"] for q in content.questions],
            ],
        },
    )
    return version, created


def answered_question_changes(questions: list[dict], answered: dict[str, Question]) -> dict:
    """Errors for the answered questions whose type or scale would change."""
    errors = {}
    for index, question in enumerate(questions):
        previous = answered.get(question["key"])
        if previous is None:
            continue
        label = f"“{previous.key}” ({previous})"
        if question["kind"] != previous.kind:
            errors[f"questions.{index}.kind"] = [
                _("Question %(label)s has answers: its type cannot change.") % {"label": label}
            ]
        elif (question["scale_min"], question["scale_max"]) != (
            previous.scale_min,
            previous.scale_max,
        ):
            errors[f"questions.{index}.scale_max"] = [
                _("Question %(label)s has answers: its scale cannot change.") % {"label": label}
            ]
    return errors


def write_questions(version: SurveyVersion, questions: list[dict]) -> None:
    """Make the version's questions exactly ``questions`` (matched by key, ids kept)."""
    existing = {question.key: question for question in version.questions.all()}
    keys = {question["key"] for question in questions}
    for key, question in existing.items():
        if key not in keys:
            question.delete()
    for position, data in enumerate(questions):
        question = existing.get(data["key"]) or Question(
            organization=version.organization, version=version
        )
        for name, value in data.items():
            setattr(question, name, value)
        question.position = position
        question.save()
