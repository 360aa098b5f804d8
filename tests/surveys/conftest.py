import pytest
from django.urls import reverse
from django.utils import timezone

from journeys.models import Touchpoint
from journeys.services import create_journey_from_template
from surveys.library import create_from_library
from surveys.models import Answer, Response
from tests.fakes.fixtures import fake_esp, fake_twilio, sms_outbox  # noqa: F401
from tests.surveys.answering_fixtures import camille, every_kind, invitation  # noqa: F401
from vocapp.tenancy.scope import organization_scope


def url(name, **kwargs):
    return reverse(f"surveys:{name}", kwargs={"org_slug": "alpha", **kwargs})


def in_scope(organization, func):
    with organization_scope(organization):
        return func()


@pytest.fixture
def journey_a(org_a, manager_a):
    """Organization A's journey made from the e-commerce template."""
    return create_journey_from_template(org_a, "ecommerce", manager_a)


@pytest.fixture
def parcel_received(journey_a, org_a):
    return in_scope(org_a, lambda: Touchpoint.objects.get(key="parcel-received"))


@pytest.fixture
def nps_survey(org_a):
    """The library's post-purchase NPS (nps, then three follow-ups), in organization A."""
    return in_scope(org_a, lambda: create_from_library(None, org_a, "post_purchase_nps"))


def record_answers(survey, touchpoint=None, **answers):
    """A completed response to the survey's current version: ``key=score`` or ``key="text"``."""
    with organization_scope(survey.organization):
        version = survey.current_version
        response = Response.objects.create(
            survey_version=version,
            touchpoint=touchpoint,
            channel="sms",
            locale="en",
            completed_at=timezone.now(),
        )
        questions = {question.key: question for question in version.questions.all()}
        for key, value in answers.items():
            Answer.objects.create(
                response=response,
                question=questions[key],
                score=value if isinstance(value, int) else None,
                text=value if isinstance(value, str) else "",
            )
        return response


def stored_answers(organization):
    """Every answer and response row of the organization, as stored."""
    return (
        list(Answer.objects.unscoped().filter(organization=organization).order_by("pk").values()),
        list(Response.objects.unscoped().filter(organization=organization).order_by("pk").values()),
    )


def form_values(*forms) -> dict:
    """What a browser would post back for these (rendered, unbound) forms."""
    data = {}
    for form in forms:
        for bound in form:
            value = bound.value()
            if bound.widget_type == "checkbox":
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list):
                for index, item in enumerate(value):
                    data[f"{bound.html_name}_{index}"] = item or ""
            else:
                data[bound.html_name] = "" if value is None else value
    return data


def editor_post(client, survey) -> dict:
    """The survey editor's form as the page shows it, ready to post back."""
    page = client.get(url("edit", pk=survey.pk))
    assert page.status_code == 200
    formset = page.context["formset"]
    return form_values(page.context["form"], formset.management_form, *formset.forms)
