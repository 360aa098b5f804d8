"""Survey, listening-rule and campaign pages for each role; the editor, its preview, the map."""

import pytest
from django.urls import reverse

from surveys.library import create_from_library
from surveys.models import Campaign, ListeningRule, Survey
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

from .conftest import editor_post, in_scope, record_answers, url

pytestmark = pytest.mark.django_db


def rule_data(touchpoint, survey, **changes):
    data = {
        "touchpoint": touchpoint.pk,
        "survey": survey.pk,
        "channels_0": "sms",
        "channels_1": "email",
        "timing": "hot",
        "delay_value": "0",
        "delay_unit": "hours",
        "max_delay_hours": "24",
        "priority": "60",
        "sampling_percent": "50",
        "expiry_days": "7",
        "reminder_after_days": "2",
        "active": "on",
    }
    data.update(changes)
    return data


def campaign_data(survey, **changes):
    data = {
        "name": "Spring barometer",
        "survey": survey.pk,
        "channels_0": "email",
        "channels_1": "sms",
        "starts_on": "2027-03-01",
        "repeat_every_days": "182",
        "sample_size": "300",
        "active": "on",
    }
    data.update(changes)
    return data


# --- roles ---------------------------------------------------------------------------------


def test_an_agent_reads_everything_and_changes_nothing(
    client_as, agent_a, org_a, nps_survey, parcel_received
):
    with organization_scope(org_a):
        rule = ListeningRule.objects.create(
            touchpoint=parcel_received, survey=nps_survey, channels=["sms"]
        )
        campaign = Campaign.objects.create(
            name="Barometer", survey=nps_survey, channels=["email"], starts_on="2027-01-01"
        )
    client = client_as(agent_a)
    for name, kwargs in (
        ("list", {}),
        ("edit", {"pk": nps_survey.pk}),
        ("preview", {"pk": nps_survey.pk}),
        ("rules", {}),
        ("rule_edit", {"pk": rule.pk}),
        ("campaigns", {}),
        ("campaign_edit", {"pk": campaign.pk}),
    ):
        assert client.get(url(name, **kwargs)).status_code == 200, name
    editor = client.get(url("edit", pk=nps_survey.pk)).content.decode()
    assert "<fieldset disabled>" in editor
    assert "Save the survey" not in editor and "Archive the survey" not in editor
    assert "New survey" not in client.get(url("list")).content.decode()
    for name, kwargs in (
        ("new", {}),
        ("edit", {"pk": nps_survey.pk}),
        ("preview", {"pk": nps_survey.pk}),
        ("archive", {"pk": nps_survey.pk}),
        ("rule_new", {}),
        ("rule_edit", {"pk": rule.pk}),
        ("rule_archive", {"pk": rule.pk}),
        ("campaign_new", {}),
        ("campaign_edit", {"pk": campaign.pk}),
        ("campaign_archive", {"pk": campaign.pk}),
    ):
        assert client.post(url(name, **kwargs), {"name": "x"}).status_code == 403, name
    assert client.get(url("new")).status_code == 403
    assert client.get(url("rule_new")).status_code == 403
    assert client.get(url("campaign_new")).status_code == 403
    with organization_scope(org_a):
        assert Survey.objects.get().archived_at is None
        assert ListeningRule.objects.get().archived_at is None
        changes = AuditEvent.objects.filter(object_type__startswith="surveys.")
        assert list(changes.values_list("action", flat=True)) == ["survey.created"]


def test_the_navigation_and_the_setup_step(client_as, manager_a, agent_a, org_a, nps_survey):
    home = reverse("tenancy:home", kwargs={"org_slug": "alpha"})
    html = client_as(agent_a).get(home).content.decode()
    assert f'href="{url("list")}"' in html and f'href="{url("rules")}"' in html
    html = client_as(manager_a).get(home).content.decode()
    step = html[html.index("Decide how each touchpoint is listened to") :]
    assert step[: step.index("</li>")].rstrip().endswith('<span class="count">0</span>')


# --- the survey editor -----------------------------------------------------------------------


def test_a_manager_edits_texts_adds_moves_and_removes_questions(
    client_as, manager_a, org_a, nps_survey
):
    client = client_as(manager_a)
    data = editor_post(client, nps_survey)
    assert data["q-TOTAL_FORMS"] == 5 and data["q-INITIAL_FORMS"] == 4
    data.update(
        {
            "name": "After delivery",
            "intro_fr": "Merci pour votre commande !",
            "q-1-DELETE": "on",  # what_went_wrong
            "q-4-kind": "single",  # the blank slot: a new choice question
            "q-4-text_en": "How did you pay?",
            "q-4-text_fr": "Comment avez-vous payé ?",
            "q-4-choices_en": "Card\nPayPal",
            "q-4-choices_fr": "Carte\nPayPal",
            "move": "3:up",  # what_you_liked before what_would_make_it_10
        }
    )
    response = client.post(url("edit", pk=nps_survey.pk), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with organization_scope(org_a):
        survey = Survey.objects.get(pk=nps_survey.pk)
        version = survey.current_version
        questions = list(version.questions.all())
        events = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert survey.name == "After delivery"
    assert version.number == 1  # nobody answered: edited in place
    assert version.intro["fr"] == "Merci pour votre commande !"
    assert [q.key for q in questions] == [
        "nps",
        "what_you_liked",
        "what_would_make_it_10",
        "single",
    ]
    assert questions[3].choices == [
        {"key": "card", "texts": {"en": "Card", "fr": "Carte"}},
        {"key": "paypal", "texts": {"en": "PayPal", "fr": "PayPal"}},
    ]
    assert events == ["survey.created", "survey.content_saved", "survey.saved"]


def test_the_editor_shows_each_error_beside_its_question(client_as, manager_a, org_a, nps_survey):
    client = client_as(manager_a)
    data = editor_post(client, nps_survey)
    response = client.post(url("edit", pk=nps_survey.pk), {**data, "q-4-text_en": "No type"})
    assert response.status_code == 400
    assert "Choose the type of question." in response.context["formset"].forms[4].errors["kind"]
    data["q-1-show_if_score_max"] = "12"  # beyond NPS's 10
    response = client.post(url("edit", pk=nps_survey.pk), data)
    assert response.status_code == 400
    assert response.context["formset"].forms[1].errors["show_if_score_min"] == [
        "The range must lie within the scale of the first question (0–10)."
    ]


def test_the_editor_says_which_questions_are_answered_and_keeps_them(
    client_as, manager_a, org_a, nps_survey
):
    record_answers(nps_survey, nps=4, what_went_wrong="Late")
    client = client_as(manager_a)
    page = client.get(url("edit", pk=nps_survey.pk))
    assert page.content.decode().count("Has answers: its type and scale are fixed") == 2
    assert 'name="q-0-DELETE"' not in page.content.decode()
    data = editor_post(client, nps_survey)
    data["q-1-DELETE"] = "on"  # forged: the page does not offer it
    response = client.post(url("edit", pk=nps_survey.pk), data)
    assert response.status_code == 409
    assert "what_went_wrong" in response.content.decode()
    data = editor_post(client, nps_survey)
    data["q-0-text_en"] = "Would you recommend us?"
    response = client.post(url("edit", pk=nps_survey.pk), data, follow=True)
    assert "Saved as version 2" in response.content.decode()


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        (
            "fr",
            ["Quelle est la probabilité", "Merci pour votre commande", "Nous en sommes désolés"],
        ),
        ("en", ["How likely are you to recommend", "Thank you for your order", "What went wrong"]),
    ],
)
def test_the_preview_renders_the_public_template_in_each_language(
    client_as, manager_a, org_a, nps_survey, locale, texts
):
    org_a.brand_colour = "#ffcc00"
    org_a.save()
    response = client_as(manager_a).get(url("preview", pk=nps_survey.pk), {"locale": locale})
    assert response.status_code == 200
    assert "surveys/public/survey.html" in [t.name for t in response.templates]
    assert "base.html" not in [t.name for t in response.templates]  # no staff navigation
    html = response.content.decode()
    assert f'<html lang="{locale}">' in html
    for text in texts:
        assert text in html
    # NPS from 0 to 10 as tap targets, the brand colour, and a dark ink on a light brand colour.
    assert html.count('name="q_nps"') == 11
    assert "--brand: #ffcc00; --brand-ink: #111111;" in html
    assert 'data-show-if-min="0" data-show-if-max="6"' in html
    assert response["X-Frame-Options"] == "SAMEORIGIN"
    assert "frame-ancestors 'self'" in response["Content-Security-Policy"]
    assert "<script>" not in html and "onclick" not in html


def test_an_unknown_locale_falls_back_to_the_organizations_language(
    client_as, manager_a, org_a, nps_survey
):
    org_a.default_locale = "fr"
    org_a.save()
    html = client_as(manager_a).get(url("preview", pk=nps_survey.pk), {"locale": "de"})
    assert '<html lang="fr">' in html.content.decode()


def test_the_preview_shows_unsaved_edits_without_saving_them(
    client_as, manager_a, org_a, nps_survey
):
    client = client_as(manager_a)
    data = editor_post(client, nps_survey)
    data["q-0-text_fr"] = "Nous recommanderiez-vous à un ami ?"
    data["q-4-kind"] = "csat"
    data["q-4-text_fr"] = "Êtes-vous satisfait de la livraison ?"
    data["q-3-ORDER"] = "0"  # dragged to the top
    response = client.post(url("preview", pk=nps_survey.pk) + "?locale=fr", data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Nous recommanderiez-vous à un ami ?" in html
    assert "Êtes-vous satisfait de la livraison ?" in html
    assert html.index("Qu&#x27;avez-vous le plus apprécié") < html.index("Nous recommanderiez")
    with organization_scope(org_a):
        assert nps_survey.current_version.questions.count() == 4
        assert "Nous recommanderiez" not in str(nps_survey.current_version.questions.first().texts)


def test_the_editor_frames_the_phone_preview(client_as, manager_a, nps_survey):
    html = client_as(manager_a).get(url("edit", pk=nps_survey.pk)).content.decode()
    preview = url("preview", pk=nps_survey.pk)
    assert f'src="{preview}?locale=en"' in html
    assert f'href="{preview}?locale=fr"' in html
    assert 'src="/static/js/survey-editor.js"' in html


# --- listening rules -------------------------------------------------------------------------


def test_a_manager_attaches_a_rule_and_the_map_shows_it(
    client_as, manager_a, org_a, journey_a, nps_survey, parcel_received
):
    client = client_as(manager_a)
    page = client.get(url("rule_new"), {"touchpoint": parcel_received.pk})
    assert page.context["form"]["touchpoint"].value() == parcel_received.pk
    response = client.post(url("rule_new"), rule_data(parcel_received, nps_survey))
    assert response.status_code == 302
    with organization_scope(org_a):
        rule = ListeningRule.objects.get()
        event = AuditEvent.objects.get(action="listening_rule.created")
    assert (rule.channels, rule.timing, rule.sampling_percent) == (["sms", "email"], "hot", 50)
    assert event.actor == manager_a and event.changes["channels"] == ["sms", "email"]

    rules = client.get(url("rules"), {"touchpoint": parcel_received.pk}).content.decode()
    assert "Post-purchase NPS" in rules and "SMS then email" in rules
    map_page = client.get(reverse("journeys:map", kwargs={"org_slug": "alpha", "pk": journey_a.pk}))
    html = map_page.content.decode()
    card = html[html.index(f'id="touchpoint-{parcel_received.pk}"') :]
    assert "Hot · SMS then email · Post-purchase NPS" in card[: card.index("</li>")]
    home = client.get(reverse("tenancy:home", kwargs={"org_slug": "alpha"})).content.decode()
    step = home[home.index("Decide how each touchpoint is listened to") :]
    assert step[: step.index("</li>")].rstrip().endswith('<span class="count">1</span>')


def test_a_warm_rule_reads_with_its_delay_and_paused_or_archived_rules_leave_the_map(
    client_as, manager_a, org_a, journey_a, nps_survey, parcel_received
):
    client = client_as(manager_a)
    data = rule_data(
        parcel_received,
        nps_survey,
        timing="warm",
        delay_value="3",
        delay_unit="days",
        channels_0="email",
        channels_1="",
    )
    assert client.post(url("rule_new"), data).status_code == 302
    with organization_scope(org_a):
        rule = ListeningRule.objects.get()
    assert rule.delay_minutes == 3 * 24 * 60
    map_url = reverse("journeys:map", kwargs={"org_slug": "alpha", "pk": journey_a.pk})
    assert "Warm (3 days) · Email · Post-purchase NPS" in client.get(map_url).content.decode()

    data.pop("active")
    assert client.post(url("rule_edit", pk=rule.pk), data).status_code == 302
    assert "Warm (3 days)" not in client.get(map_url).content.decode()
    with organization_scope(org_a):
        event = AuditEvent.objects.get(action="listening_rule.saved")
    assert event.changes == {"active": [True, False]}

    assert client.post(url("rule_archive", pk=rule.pk)).status_code == 302
    assert url("rule_edit", pk=rule.pk) not in client.get(url("rules")).content.decode()
    assert client.get(url("rule_edit", pk=rule.pk)).status_code == 404
    with organization_scope(org_a):
        assert ListeningRule.objects.get().archived_at is not None


def test_a_bad_rule_is_a_400_naming_the_fields(
    client_as, manager_a, org_a, nps_survey, parcel_received
):
    data = rule_data(
        parcel_received, nps_survey, timing="warm", delay_value="20", delay_unit="hours"
    )
    data.update({"channels_0": "", "channels_1": "", "reminder_after_days": "10"})
    data["delay_value"] = "0"
    response = client_as(manager_a).post(url("rule_new"), data)
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {
        "channels",
        "delay_value",
        "reminder_after_days",
    }
    assert "Warm listening waits at least an hour." in response.content.decode()
    with organization_scope(org_a):
        assert not ListeningRule.objects.exists()


def test_another_organizations_touchpoint_or_survey_is_not_accepted(
    client_as, manager_a, outsider, org_a, org_b, nps_survey, parcel_received
):
    from journeys.models import Touchpoint
    from journeys.services import create_journey_from_template

    with organization_scope(org_b):
        create_journey_from_template(org_b, "ecommerce", outsider)
        their_touchpoint = Touchpoint.objects.get(key="parcel-received")
        their_survey = create_from_library(None, org_b, "post_purchase_nps")
    client = client_as(manager_a)
    for data in (
        rule_data(their_touchpoint, nps_survey),
        rule_data(parcel_received, their_survey),
    ):
        response = client.post(url("rule_new"), data)
        assert response.status_code == 400
        assert "Select a valid choice" in response.content.decode()
    with organization_scope(org_a):
        assert not ListeningRule.objects.exists()


# --- campaigns -------------------------------------------------------------------------------


def test_a_manager_creates_a_campaign_and_is_warned_when_it_is_too_frequent(
    client_as, manager_a, org_a
):
    barometer = in_scope(org_a, lambda: create_from_library(None, org_a, "cold_barometer"))
    client = client_as(manager_a)
    page = client.get(url("campaign_new"))
    assert page.status_code == 200 and page.context["frequency_warning"] is None
    response = client.post(url("campaign_new"), campaign_data(barometer), follow=True)
    assert "more often than twice a year" not in response.content.decode()
    with organization_scope(org_a):
        campaign = Campaign.objects.get()
    assert campaign.channels == ["email", "sms"] and campaign.repeat_every_days == 182

    data = campaign_data(barometer, repeat_every_days="90")
    response = client.post(url("campaign_edit", pk=campaign.pk), data, follow=True)
    assert "Every 90 days is more often than twice a year" in response.content.decode()
    page = client.get(url("campaign_edit", pk=campaign.pk)).content.decode()
    assert "Every 90 days is more often than twice a year" in page
    assert "More than twice a year" in client.get(url("campaigns")).content.decode()
    with organization_scope(org_a):
        actions = list(
            AuditEvent.objects.filter(object_type="surveys.campaign")
            .order_by("pk")
            .values_list("action", flat=True)
        )
    assert actions == ["campaign.created", "campaign.saved"]

    assert client.post(url("campaign_archive", pk=campaign.pk)).status_code == 302
    with organization_scope(org_a):
        assert Campaign.objects.get().archived_at is not None
    assert url("campaign_edit", pk=campaign.pk) not in client.get(url("campaigns")).content.decode()


def test_the_lists_take_the_same_number_of_queries_for_one_or_many_objects(
    client_as, manager_a, org_a, parcel_received, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(manager_a)

    def add(count):
        with organization_scope(org_a):
            for _ in range(count):
                survey = create_from_library(None, org_a, "post_purchase_nps")
                ListeningRule.objects.create(
                    touchpoint=parcel_received, survey=survey, channels=["sms"]
                )
                Campaign.objects.create(
                    name="Barometer", survey=survey, channels=["email"], starts_on="2027-01-01"
                )

    pages = [url("list"), url("rules"), url("campaigns")]
    add(1)
    counted = {}
    for page in pages:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(page).status_code == 200
        counted[page] = len(queries)
    add(4)
    for page in pages:
        with django_assert_max_num_queries(counted[page]):
            assert client.get(page).content.decode().count("Post-purchase NPS") >= 5
