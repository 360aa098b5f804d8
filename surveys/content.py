"""A survey version's content as plain data, and its validation across questions.

Views, the API, the library and the versioning all speak this format::

    {"intro": {"en": ..., "fr": ...}, "thank_you": {...}, "questions": [
        {"key": "nps", "kind": "nps", "texts": {"en": ..., "fr": ...}, "scale_min": 0,
         "scale_max": 10, "choices": [], "required": True,
         "show_if_score_min": None, "show_if_score_max": None},
        ...]}

Errors are collected as ``{"questions.2.kind": ["..."], "intro": ["..."]}`` so that the API can
name the field and the editor can show each message beside its question.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import DEFAULT_SCALES, SCORED_KINDS, Question, QuestionKind

MAX_QUESTIONS = 20
QUESTION_FIELDS = (
    "key",
    "kind",
    "texts",
    "scale_min",
    "scale_max",
    "choices",
    "required",
    "show_if_score_min",
    "show_if_score_max",
)


def locales() -> list[str]:
    """The languages a survey is written in (the product's languages: en, fr)."""
    return [code for code, _name in settings.LANGUAGES]


class SurveyContentError(Exception):
    """The content is invalid; ``errors`` maps a dotted field path to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Content:
    intro: dict = field(default_factory=dict)
    thank_you: dict = field(default_factory=dict)
    questions: list[dict] = field(default_factory=list)


def clean_texts(value) -> dict:
    """``{locale: text}`` with surrounding spaces and empty entries dropped."""
    if not isinstance(value, dict):
        return {}
    return {
        str(locale): str(text).strip()
        for locale, text in value.items()
        if text is not None and str(text).strip()
    }


def question_data(question: Question) -> dict:
    """The plain data of a saved question (what an edit compares against)."""
    return {name: getattr(question, name) for name in QUESTION_FIELDS}


def version_content(version) -> Content:
    return Content(
        intro=dict(version.intro),
        thank_you=dict(version.thank_you),
        questions=[question_data(question) for question in version.questions.all()],
    )


def new_key(kind: str, taken: set[str]) -> str:
    base = kind if kind else "question"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}_{number}", number + 1
    return key


def normalize_question(data: dict) -> dict:
    """Defaults filled in: the fixed scale of NPS and CSAT, 1–7 for CES, no scale otherwise."""
    question = {name: data.get(name) for name in QUESTION_FIELDS}
    kind = question["kind"]
    question["texts"] = clean_texts(question["texts"])
    question["required"] = bool(question["required"])
    question["choices"] = question["choices"] or []
    if kind in SCORED_KINDS:
        low, high = DEFAULT_SCALES[kind]
        if question["scale_min"] is None:
            question["scale_min"] = low
        if question["scale_max"] is None:
            question["scale_max"] = high
    if isinstance(question["choices"], list):
        question["choices"] = [
            {**choice, "texts": clean_texts(choice.get("texts"))}
            if isinstance(choice, dict)
            else choice
            for choice in question["choices"]
        ]
    return question


def clean_content(content: Content) -> Content:
    """Normalized, validated content; raises SurveyContentError naming every bad field."""
    errors: dict[str, list[str]] = {}
    questions = [normalize_question(data) for data in content.questions]
    if not questions:
        errors["questions"] = [_("A survey asks at least one question.")]
    if len(questions) > MAX_QUESTIONS:
        errors["questions"] = [_("At most %(n)d questions.") % {"n": MAX_QUESTIONS}]
    given_keys = [q["key"] for q in questions if q["key"]]
    taken = set(given_keys)
    for index, question in enumerate(questions):
        if not question["key"]:
            question["key"] = new_key(question["kind"] or "", taken)
            taken.add(question["key"])
        elif given_keys.count(question["key"]) > 1:
            errors[f"questions.{index}.key"] = [
                _("Two questions have the key “%(key)s”.") % {"key": question["key"]}
            ]
        if question["kind"] not in QuestionKind.values:
            errors[f"questions.{index}.kind"] = [_("Choose the type of question.")]
            continue
        try:
            Question(**question).clean_fields(
                exclude=["version", "organization", "position", "texts"]
            )
        except ValidationError as error:
            add_errors(errors, index, error)
        try:
            Question(**question).clean()
        except ValidationError as error:
            add_errors(errors, index, error)
    check_follow_ups(questions, errors)
    check_languages(content, questions, errors)
    if errors:
        raise SurveyContentError(errors)
    return Content(
        intro=clean_texts(content.intro),
        thank_you=clean_texts(content.thank_you),
        questions=questions,
    )


def check_languages(content: Content, questions: list[dict], errors: dict) -> None:
    """Texts only in the product's languages: another one would be stored and never shown."""
    known = locales()

    def check(name, texts):
        unknown = sorted(set(clean_texts(texts)) - set(known))
        if unknown:
            errors.setdefault(name, []).append(
                _("Unknown language “%(code)s”: write in %(known)s.")
                % {"code": unknown[0], "known": ", ".join(known)}
            )

    check("intro", content.intro)
    check("thank_you", content.thank_you)
    for index, question in enumerate(questions):
        check(f"questions.{index}.texts", question["texts"])
        for choice in question["choices"] if isinstance(question["choices"], list) else []:
            if isinstance(choice, dict):
                check(f"questions.{index}.choices", choice.get("texts"))


def add_errors(errors: dict, index: int, error: ValidationError) -> None:
    for name, messages in error.message_dict.items():
        errors.setdefault(f"questions.{index}.{name}", []).extend(messages)


def check_follow_ups(questions: list[dict], errors: dict) -> None:
    """A follow-up depends on the survey's first scored question, which must come before it."""
    main_index = next(
        (i for i, q in enumerate(questions) if q["kind"] in SCORED_KINDS and not is_follow_up(q)),
        None,
    )
    for index, question in enumerate(questions):
        if not is_follow_up(question) or f"questions.{index}.show_if_score_max" in errors:
            continue
        name = f"questions.{index}.show_if_score_min"
        if main_index is None or main_index > index:
            errors.setdefault(name, []).append(
                _("A follow-up comes after the scored question it depends on.")
            )
            continue
        main = questions[main_index]
        low, high = main["scale_min"], main["scale_max"]
        if low is None or high is None:
            continue
        if question["show_if_score_min"] < low or question["show_if_score_max"] > high:
            errors.setdefault(name, []).append(
                _("The range must lie within the scale of the first question (%(low)s–%(high)s).")
                % {"low": low, "high": high}
            )


def is_follow_up(question: dict) -> bool:
    return question.get("show_if_score_min") is not None


def main_question(questions):
    """The survey's first scored question that is not a follow-up (its "main" score)."""
    for question in questions:
        kind = question["kind"] if isinstance(question, dict) else question.kind
        follow_up = is_follow_up(question) if isinstance(question, dict) else question.is_follow_up
        if kind in SCORED_KINDS and not follow_up:
            return question
    return None
