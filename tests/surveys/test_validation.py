"""What a survey, a listening rule and a campaign may be: scales, follow-ups, channels, timing."""

import pytest
from django.core.exceptions import ValidationError

from surveys.content import Content, SurveyContentError, clean_content
from surveys.forms import CampaignForm, ListeningRuleForm
from surveys.models import Campaign, ListeningRule
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope

pytestmark = pytest.mark.django_db


def question(kind, key=None, **extra):
    return {
        "key": key or kind,
        "kind": kind,
        "texts": {"en": f"{kind}?", "fr": f"{kind} ?"},
        **extra,
    }


def errors_of(*questions):
    with pytest.raises(SurveyContentError) as caught:
        clean_content(Content(questions=list(questions)))
    return caught.value.errors


def test_scored_questions_get_their_standard_scales():
    content = clean_content(Content(questions=[question("nps"), question("csat"), question("ces")]))
    scales = [(q["scale_min"], q["scale_max"]) for q in content.questions]
    assert scales == [(0, 10), (1, 5), (1, 7)]


def test_ces_may_use_another_scale_but_nps_and_csat_may_not():
    content = clean_content(Content(questions=[question("ces", scale_min=1, scale_max=5)]))
    assert (content.questions[0]["scale_min"], content.questions[0]["scale_max"]) == (1, 5)
    assert "questions.0.scale_max" in errors_of(question("nps", scale_min=1, scale_max=10))
    assert "questions.0.scale_max" in errors_of(question("csat", scale_min=1, scale_max=7))


@pytest.mark.parametrize(
    ("low", "high", "field"),
    [(1, 2, "scale_max"), (1, 20, "scale_max"), (3, 9, "scale_min")],
)
def test_a_ces_scale_has_three_to_eleven_points_from_0_or_1(low, high, field):
    assert f"questions.0.{field}" in errors_of(question("ces", scale_min=low, scale_max=high))


def test_text_and_choice_questions_have_no_scale():
    assert "questions.0.scale_max" in errors_of(question("text", scale_min=1, scale_max=5))


def test_a_choice_question_needs_two_distinct_choices():
    one = [{"key": "a", "texts": {"en": "A"}}]
    twice = [{"key": "a", "texts": {"en": "A"}}, {"key": "a", "texts": {"en": "B"}}]
    assert "questions.0.choices" in errors_of(question("single", choices=one))
    assert "questions.0.choices" in errors_of(question("multiple", choices=twice))
    good = [{"key": "a", "texts": {"en": "A", "fr": "A"}}, {"key": "b", "texts": {"en": "B"}}]
    clean_content(Content(questions=[question("single", choices=good)]))


def test_a_question_needs_a_text_and_a_known_kind_and_keys_are_unique():
    assert "questions.0.texts" in errors_of({"key": "q", "kind": "nps", "texts": {"en": " "}})
    assert "questions.0.kind" in errors_of({"key": "q", "kind": "stars", "texts": {"en": "?"}})
    assert "questions.1.key" in errors_of(question("nps", "q"), question("text", "q"))
    assert "questions" in errors_of()


def test_a_missing_key_is_made_from_the_kind():
    unnamed = [{**question(kind), "key": ""} for kind in ("nps", "text", "text")]
    content = clean_content(Content(questions=unnamed))
    assert [q["key"] for q in content.questions] == ["nps", "text", "text_2"]


def test_a_follow_up_depends_on_the_first_score_and_lies_within_its_scale():
    detractors = question("text", "why", show_if_score_min=0, show_if_score_max=6)
    clean_content(Content(questions=[question("nps"), detractors]))
    # Before the scored question it depends on.
    assert "questions.0.show_if_score_min" in errors_of(detractors, question("nps"))
    # Outside the CSAT scale (1–5).
    assert "questions.1.show_if_score_min" in errors_of(question("csat"), detractors)
    # Upside down, or one end only.
    upside_down = question("text", "why", show_if_score_min=6, show_if_score_max=0)
    assert "questions.1.show_if_score_max" in errors_of(question("nps"), upside_down)
    one_end = question("text", "why", show_if_score_min=0)
    assert "questions.1.show_if_score_max" in errors_of(question("nps"), one_end)


def rule(touchpoint, survey, **fields):
    values = {"channels": ["sms", "email"], "timing": "hot", "delay_minutes": 0, **fields}
    return ListeningRule(
        organization=touchpoint.organization, touchpoint=touchpoint, survey=survey, **values
    )


def clean_errors(obj):
    with pytest.raises(ValidationError) as caught:
        obj.clean()
    return caught.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"channels": []}, "channels"),
        ({"channels": ["sms", "fax"]}, "channels"),
        ({"channels": ["sms", "sms"]}, "channels"),
        ({"timing": "warm", "delay_minutes": 30}, "delay_minutes"),
        ({"timing": "warm", "delay_minutes": 61 * 24 * 60}, "delay_minutes"),
        ({"timing": "hot", "delay_minutes": 120}, "delay_minutes"),
        ({"timing": "hot", "max_delay_minutes": 5}, "max_delay_minutes"),
        ({"reminder_after_days": 7, "expiry_days": 7}, "reminder_after_days"),
    ],
)
def test_a_listening_rule_refuses(fields, field, parcel_received, nps_survey):
    assert field in clean_errors(rule(parcel_received, nps_survey, **fields))


def test_a_valid_rule_passes(parcel_received, nps_survey):
    rule(parcel_received, nps_survey).clean()
    rule(parcel_received, nps_survey, timing="warm", delay_minutes=3 * 24 * 60).clean()


def rule_post(touchpoint, survey, **changes):
    data = {
        "touchpoint": touchpoint.pk,
        "survey": survey.pk,
        "channels_0": "sms",
        "channels_1": "email",
        "timing": "warm",
        "delay_value": "3",
        "delay_unit": "days",
        "max_delay_hours": "24",
        "priority": "50",
        "sampling_percent": "100",
        "expiry_days": "7",
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_rule_form_turns_hours_and_days_into_the_delay(org_a, parcel_received, nps_survey):
    with organization_scope(org_a):
        form = ListeningRuleForm(
            rule_post(parcel_received, nps_survey), instance=ListeningRule(organization=org_a)
        )
        assert form.is_valid(), form.errors
        saved = form.save()
    assert saved.channels == ["sms", "email"]
    assert saved.delay_minutes == 3 * 24 * 60
    assert saved.max_delay_minutes == 24 * 60


def test_the_rule_form_names_the_field_of_each_error(org_a, parcel_received, nps_survey):
    with organization_scope(org_a):
        form = ListeningRuleForm(
            rule_post(
                parcel_received,
                nps_survey,
                channels_0="",
                channels_1="",
                delay_value="0",
                reminder_after_days="9",
            ),
            instance=ListeningRule(organization=org_a),
        )
        assert not form.is_valid()
    assert set(form.errors) >= {"channels", "delay_value", "reminder_after_days"}


def test_the_rule_form_offers_only_the_organizations_live_objects(
    org_a, org_b, outsider, parcel_received, nps_survey
):
    from journeys.services import create_journey_from_template
    from surveys.library import create_from_library

    with organization_scope(org_b):
        create_journey_from_template(org_b, "retail", outsider)
        create_from_library(None, org_b, "post_contact_csat")
    archived = in_scope(org_a, lambda: create_from_library(None, org_a, "post_support_ces"))
    with organization_scope(org_a):
        archived.archived_at = archived.created_at
        archived.save()
        form = ListeningRuleForm(instance=ListeningRule(organization=org_a))
        surveys = list(form.fields["survey"].queryset)
        touchpoints = list(form.fields["touchpoint"].queryset)
    assert surveys == [nps_survey]
    assert {tp.organization_id for tp in touchpoints} == {org_a.pk}


def test_a_campaign_more_often_than_twice_a_year_is_allowed_with_a_warning(org_a, nps_survey):
    data = {
        "name": "Barometer",
        "survey": nps_survey.pk,
        "channels_0": "email",
        "starts_on": "2026-01-15",
        "repeat_every_days": "90",
        "active": "on",
    }
    with organization_scope(org_a):
        form = CampaignForm(data, instance=Campaign(organization=org_a))
        assert form.is_valid(), form.errors
        assert form.too_frequent
        campaign = form.save()
        assert campaign.too_frequent
        calm = CampaignForm(
            {**data, "repeat_every_days": "182"}, instance=Campaign(organization=org_a)
        )
        assert calm.is_valid() and not calm.too_frequent


def test_a_campaign_needs_a_channel_and_at_least_a_month_between_sendings(org_a, nps_survey):
    data = {
        "name": "Barometer",
        "survey": nps_survey.pk,
        "starts_on": "2026-01-15",
        "repeat_every_days": "7",
    }
    with organization_scope(org_a):
        form = CampaignForm(data, instance=Campaign(organization=org_a))
        assert not form.is_valid()
    assert set(form.errors) == {"channels", "repeat_every_days"}
