"""The survey page customers answer, shared by ``/s/<token>/`` (an invitation) and ``/q/<key>/``
(an open QR or kiosk survey).

``answer_survey_page(request, page)`` renders the page on GET and stores what is posted on POST:

- GET never records anything (mail link scanners follow links); ``?score=N`` (the HTML email's
  one-click scale) only pre-checks the main question.
- A POST carrying ``only=<question key>`` is ``static/js/survey.js`` saving one answer the moment
  it is given: a JSON answer ``{"saved": key, "response": <response key>}`` or the API's error
  envelope (400). The response key is signed and goes back in the form's ``response`` field, so
  that an open survey's next answers join the same response.
- Any other POST is the whole form (what a browser without JavaScript sends, and the final
  "Send"): every answer that applies is stored, the response is completed and the thank-you
  shown. Missing required answers re-show the form (400) with the valid answers already stored.
  Sending again changes nothing.

Where the answers go is the page's ``get_response`` (see ``ResponseGetter``):
``invitation_response(invitation)`` for ``/s/``, ``open_response(...)`` for an open survey.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from vocapp.tenancy.scope import organization_scope

from ..answering import (
    AnswerError,
    clean_value,
    complete,
    discard_unasked,
    main_question,
    record_answer,
    response_for,
    root_of,
    shown_for,
)
from ..models import Answer, Invitation, Response, ResponseChannel
from ..rendering import DEFAULT_BRAND_COLOUR, branding, ink_for, survey_page_context

TEMPLATE = "surveys/public/survey.html"
CLOSED_TEMPLATE = "surveys/public/closed.html"
RESPONSE_KEY_SALT = "surveys.answering.response"
# An open survey's response takes more answers for this long after its first one.
RESPONSE_KEY_MAX_AGE = 6 * 3600


class ResponseGetter(Protocol):
    def __call__(
        self, page: "SurveyPage", request: HttpRequest, *, create: bool, locale: str
    ) -> Response | None:
        """The response the visitor's answers go to; made when ``create`` is true (on the first
        answer), else None while there is none."""


@dataclass(frozen=True)
class SurveyPage:
    """One survey shown to one visitor, and where their answers go."""

    organization: Any
    version: Any  # the SurveyVersion answered
    channel: str  # a ResponseChannel value, stored on a new response
    get_response: ResponseGetter
    touchpoint: Any = None
    invitation: Invitation | None = None  # moved to "answered" with the first answer
    # Preferred languages, best first (the contact's, the browser's), before the survey's own
    # languages and the organization's.
    locale_hints: Sequence[str] = ()
    # Show a started response's answers again (an invitation's customer coming back); never for
    # a kiosk, where the previous person's answers must not show.
    prefill: bool = True
    template: str = TEMPLATE
    extra_context: dict = field(default_factory=dict)
    # Called once, when the response is completed (e.g. to offer to leave contact details),
    # before the thank-you is rendered from ``extra_context``.
    on_complete: Callable[[HttpRequest, Response], None] | None = None


# --- where the answers go ---------------------------------------------------------------------


def invitation_response(invitation: Invitation) -> ResponseGetter:
    """One response per first invitation: a reminder's link answers the same response."""

    def get(page, request, *, create, locale):
        if create:
            return response_for(invitation, channel=page.channel, locale=locale)
        return Response.objects.filter(invitation=root_of(invitation)).first()

    return get


def open_response(*, contact=None, device=None) -> ResponseGetter:
    """A response without invitation (QR code, kiosk), found again by its signed key."""

    def get(page, request, *, create, locale):
        found = response_from_key(page, request.POST.get("response", ""))
        if found is not None or not create:
            return found
        return Response.objects.create(
            survey_version=page.version,
            touchpoint=page.touchpoint,
            contact=contact,
            device=device,
            channel=page.channel,
            locale=locale,
        )

    return get


def response_key(response: Response) -> str:
    return signing.dumps(response.pk, salt=RESPONSE_KEY_SALT)


def response_from_key(page: SurveyPage, key: str) -> Response | None:
    """The open response a key names, if it is this page's (organization, version) and recent."""
    if not key:
        return None
    try:
        pk = signing.loads(key, salt=RESPONSE_KEY_SALT, max_age=RESPONSE_KEY_MAX_AGE)
    except signing.BadSignature:
        return None
    if not isinstance(pk, int):
        return None
    return Response.objects.filter(
        pk=pk, invitation__isnull=True, survey_version=page.version
    ).first()


# --- language ---------------------------------------------------------------------------------


def product_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def written_in(questions) -> list[str]:
    """The product's languages every question of the survey is written in."""
    return [
        code
        for code in product_languages()
        if all(str((q.texts or {}).get(code, "")).strip() for q in questions)
    ]


def candidates(hint: str) -> list[str]:
    """``fr-CA`` -> ``fr-ca``, then its base language ``fr``."""
    hint = (hint or "").strip().replace("_", "-").lower()
    return [hint, hint.split("-")[0]] if hint else []


def choose_locale(
    *, switch: str, hints: Sequence[str], questions, organization
) -> tuple[str, list[str]]:
    """The page's language and the languages the switch offers.

    The visitor's switch first, then each hint (the contact's language, then its base language),
    then the survey's languages, then the organization's; only languages the product speaks and,
    when the survey is written in some, the survey is written in.
    """
    codes = product_languages()
    offered = written_in(questions) or codes
    ordered = [*candidates(switch)]
    for hint in hints:
        ordered += candidates(hint)
    ordered += [organization.default_locale] if organization.default_locale in offered else []
    ordered += offered
    chosen = next((code for code in ordered if code in codes and code in offered), codes[0])
    return chosen, offered


# --- the page ---------------------------------------------------------------------------------


def answer_survey_page(request: HttpRequest, page: SurveyPage) -> HttpResponse:
    """Render (GET) or store (POST) the survey of ``page``; see the module's docstring."""
    with organization_scope(page.organization):
        questions = list(page.version.questions.all())
        switch = request.POST.get("lang") or request.GET.get("lang") or ""
        locale, offered = choose_locale(
            switch=switch,
            hints=page.locale_hints,
            questions=questions,
            organization=page.organization,
        )
        with translation.override(locale):
            if request.method == "POST" and request.POST.get("only"):
                answer = save_one(request, page, questions, locale)
            elif request.method == "POST":
                answer = save_all(request, page, questions, locale, offered)
            else:
                answer = show(request, page, questions, locale, offered)
    add_never_cache_headers(answer)
    return answer


def posted_value(data, question):
    """What the form posted for ``question``: a list for a multiple choice, else a string."""
    name = f"q_{question.key}"
    if question.kind == "multiple":
        return [item for item in data.getlist(name) if item]
    return (data.get(name) or "").strip()


def stored_answers(response: Response | None) -> dict[int, Answer]:
    if response is None:
        return {}
    return {answer.question_id: answer for answer in Answer.objects.filter(response=response)}


def as_given(answer: Answer) -> list[str]:
    if answer.score is not None:
        return [str(answer.score)]
    return list(answer.choices) if answer.choices else [answer.text]


def main_score(data, questions, stored: dict[int, Answer]) -> int | None:
    """The main score the follow-ups depend on: the one posted if valid, else the one stored."""
    main = main_question(questions)
    if main is None:
        return None
    value = posted_value(data, main) if data is not None else ""
    if value:
        try:
            return clean_value(main, value)["score"]
        except AnswerError:
            return None
    answer = stored.get(main.pk)
    return answer.score if answer else None


def save_one(request, page: SurveyPage, questions, locale) -> HttpResponse:
    key = request.POST["only"]
    question = next((q for q in questions if q.key == key), None)
    if question is None:
        return invalid("only", _("This survey has no such question."))
    existing = page.get_response(page, request, create=False, locale=locale)
    score = main_score(request.POST, questions, stored_answers(existing))
    if not shown_for(question, score):
        return invalid(f"q_{key}", _("This question is asked after another score."))
    value = posted_value(request.POST, question)
    try:
        clean_value(question, value)  # before any response is made for it
        response = existing or page.get_response(page, request, create=True, locale=locale)
        record_answer(response, question, value, invitation=page.invitation)
    except AnswerError as error:
        return invalid(f"q_{key}", str(error))
    return JsonResponse({"saved": key, "response": response_key(response)})


def invalid(name: str, message: str) -> JsonResponse:
    body = {"error": "invalid", "detail": message, "fields": {name: [message]}}
    return JsonResponse(body, status=400)


def save_all(request, page: SurveyPage, questions, locale, offered) -> HttpResponse:
    response = page.get_response(page, request, create=False, locale=locale)
    stored = stored_answers(response)
    score = main_score(request.POST, questions, stored)
    errors, valid = {}, []
    for question in questions:
        if not shown_for(question, score):
            continue
        value = posted_value(request.POST, question)
        if not value:
            if question.required and question.pk not in stored:
                errors[question.key] = _("Please answer this question.")
            continue
        try:
            clean_value(question, value)
        except AnswerError as error:
            errors[question.key] = str(error)
        else:
            valid.append((question, value))
    # Each valid answer counts at once, even when another one is missing.
    if valid:
        response = response or page.get_response(page, request, create=True, locale=locale)
        for question, value in valid:
            record_answer(response, question, value, invitation=page.invitation)
    if errors or response is None:
        form_error = "" if errors else _("Answer at least one question, please.")
        context = form_context(request, page, questions, locale, offered, response)
        mark_posted(context["questions"], questions, request.POST, errors)
        context.update(form_error=form_error, has_errors=bool(errors))
        # The same visitor goes on: their next post joins this response (an open survey's too).
        context["response_key"] = response_key(response) if response is not None else ""
        return render(request, page.template, context, status=400)
    discard_unasked(response, questions)
    if complete(response) and page.on_complete is not None:
        page.on_complete(request, response)
    return render(request, page.template, thanks_context(page, questions, locale))


def show(request, page: SurveyPage, questions, locale, offered) -> HttpResponse:
    response = page.get_response(page, request, create=False, locale=locale)
    context = form_context(request, page, questions, locale, offered, response)
    prefill_score(context["questions"], request.GET.get("score", ""))
    return render(request, page.template, context)


def base_context(page: SurveyPage, questions, locale) -> dict:
    version = page.version
    context = survey_page_context(
        page.organization,
        intro=version.intro,
        thank_you=version.thank_you,
        questions=questions,
        locale=locale,
    )
    context["thank_you"] = context["thank_you"] or _("Thank you, your answers are recorded.")
    return {**context, **page.extra_context}


def thanks_context(page: SurveyPage, questions, locale) -> dict:
    return {**base_context(page, questions, locale), "done": True}


def form_context(request, page, questions, locale, offered, response) -> dict:
    context = base_context(page, questions, locale)
    stored = stored_answers(response) if page.prefill else {}
    for shown, question in zip(context["questions"], questions, strict=True):
        if question.pk in stored:
            shown.given = as_given(stored[question.pk])
    context.update(
        form_action=request.get_full_path(),
        save_each=True,
        response_key=response_key(response) if response is not None and page.prefill else "",
        languages=language_links(request, locale, offered),
    )
    return context


def prefill_score(shown_questions, score: str) -> None:
    """``?score=N``: pre-check the main question (nothing is recorded until the visitor posts)."""
    main = next((shown for shown in shown_questions if shown.is_main), None)
    if main is None or main.given or not score.strip().isdecimal():
        return
    if int(score) in main.points:
        main.given = [str(int(score))]


def mark_posted(shown_questions, questions, data, errors: dict) -> None:
    """Show again what was posted, with what is wrong, so nothing typed is lost."""
    for shown, question in zip(shown_questions, questions, strict=True):
        value = posted_value(data, question)
        if value:
            shown.given = value if isinstance(value, list) else [value]
        shown.error = errors.get(question.key, "")


def language_links(request, locale: str, offered: list[str]) -> list[dict]:
    """The FR/EN switch: the same page (its query kept) in each language the survey speaks."""
    if len(offered) < 2:
        return []
    names = dict(settings.LANGUAGES)
    links = []
    for code in offered:
        query = request.GET.copy()
        query["lang"] = code
        links.append(
            {
                "code": code,
                "name": names[code],
                "url": f"{request.path}?{query.urlencode()}",
                "current": code == locale,
            }
        )
    return links


def render_closed(
    request: HttpRequest, *, organization, reason: str, locale_hints: Sequence[str] = (), status=200
) -> HttpResponse:
    """A kind page instead of the survey: ``reason`` is expired, answered, withdrawn or unknown
    (``organization`` may be None for an unknown link)."""
    codes = product_languages()
    hints = [request.GET.get("lang", ""), *locale_hints]
    if organization is not None:
        hints.append(organization.default_locale)
    locale = next(
        (code for hint in hints for code in candidates(hint) if code in codes),
        translation.get_language_from_request(request) or codes[0],
    )
    context = {"reason": reason, "locale": locale, "brand_colour": DEFAULT_BRAND_COLOUR}
    context["brand_ink"] = ink_for(DEFAULT_BRAND_COLOUR)
    if organization is not None:
        context.update(branding(organization))
    with translation.override(locale):
        answer = render(request, CLOSED_TEMPLATE, context, status=status)
    add_never_cache_headers(answer)
    return answer


def closed_json(reason: str) -> JsonResponse:
    """What ``survey.js`` receives when it saves an answer on a link that closed meanwhile."""
    detail = {
        "expired": _("This survey has closed."),
        "answered": _("Your answers are already recorded."),
    }.get(reason, _("This survey is not available."))
    answer = JsonResponse({"error": "closed", "detail": detail, "fields": {}}, status=410)
    add_never_cache_headers(answer)
    return answer


def channel_of(invitation: Invitation) -> str:
    """The response channel an invitation's link stands for."""
    channel = invitation.channel
    return channel if channel in ResponseChannel.values else ResponseChannel.LINK


__all__ = [
    "ResponseGetter",
    "SurveyPage",
    "answer_survey_page",
    "channel_of",
    "closed_json",
    "invitation_response",
    "open_response",
    "render_closed",
    "response_key",
]
