"""The dashboards: the overview, a journey's scores and a touchpoint's scores, for every role.

Numbers come from the rollups (rebuilt after the answers are made); the pages say "no answers
yet" at n = 0, flag a value resting on fewer answers than the minimum, follow the period
selector and the filters, name the two touchpoints to act on first, and cost a fixed number of
queries whatever the number of touchpoints.
"""

import re
from datetime import timedelta

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from journeys.models import Journey, Stage, Touchpoint
from journeys.services import create_journey_from_template
from surveys.models import Answer, Response
from surveys.rollups import rebuild_rollups
from tests.core.conftest import nav_links
from tests.surveys.conftest import in_scope, record_answers, url
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

# Queries of each page, whatever the number of touchpoints and answers: the session, the user,
# the membership, the journeys or the touchpoint, and a fixed number of rollup queries.
OVERVIEW_QUERIES = 15
JOURNEY_QUERIES = 7
TOUCHPOINT_QUERIES = 24


def touchpoint(org, key):
    return in_scope(org, lambda: Touchpoint.objects.get(key=key))


def answer(survey, tp, score, *, days_ago=0, channel="sms", text=None):
    """A completed NPS answer (and its follow-up text) given ``days_ago`` days ago."""
    extra = {}
    if text:
        key = "what_went_wrong" if score <= 6 else "what_you_liked" if score >= 9 else None
        key = key or "what_would_make_it_10"
        extra[key] = text
    response = record_answers(survey, tp, nps=score, **extra)
    with organization_scope(survey.organization):
        Response.objects.filter(pk=response.pk).update(channel=channel)
        Answer.objects.filter(response=response).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return response


def answers(survey, tp, scores, **options):
    for score in scores:
        answer(survey, tp, score, **options)


def refreshed(org):
    rebuild_rollups(org)


def indicator(html, metric) -> str:
    """The text of a headline indicator's value ("+32", "no answers yet")."""
    block = html[html.index(f'id="indicator-{metric}"') :]
    block = block[: block.index("</article>")]
    value = re.search(r"<p class=\"indicator-value[^\"]*\" data-value>(.*?)</p>", block, re.S)
    return value.group(1).strip()


def indicator_block(html, metric) -> str:
    """The whole indicator, from its opening tag (with its state class) to its end."""
    block = html[html.rindex("<article", 0, html.index(f'id="indicator-{metric}"')) :]
    return block[: block.index("</article>")]


@pytest.fixture
def members(admin_a, manager_a, agent_a):
    return {"admin": admin_a, "manager": manager_a, "agent": agent_a}


@pytest.fixture
def parcel(journey_a, org_a):
    return touchpoint(org_a, "parcel-received")


@pytest.fixture
def purchase(journey_a, org_a):
    return touchpoint(org_a, "purchase")


# --- Roles and tenants -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "manager", "agent"])
def test_it_shows_every_dashboard_to_every_role(role, members, client_as, journey_a, parcel):
    client = client_as(members[role])
    for address in (
        url("overview"),
        url("journey_scores", pk=journey_a.pk),
        url("touchpoint_scores", pk=parcel.pk),
    ):
        response = client.get(address)
        assert response.status_code == 200, address
        assert b"charts.js" in response.content


def test_the_dashboard_comes_first_in_the_navigation_after_home(client_as, agent_a):
    links = nav_links(client_as(agent_a).get("/o/alpha/").content.decode())
    assert links[:2] == ["/o/alpha/", url("overview")]


def test_it_answers_404_for_another_organizations_journey_and_touchpoint(
    client_as, admin_a, outsider, org_b, journey_a
):
    journey_b = create_journey_from_template(org_b, "ecommerce", outsider)
    touchpoint_b = in_scope(org_b, lambda: Touchpoint.objects.filter(stage__journey=journey_b)[0])
    client = client_as(admin_a)
    assert client.get(url("journey_scores", pk=journey_b.pk)).status_code == 404
    assert client.get(url("touchpoint_scores", pk=touchpoint_b.pk)).status_code == 404
    # And an outsider sees nothing of A.
    outsider_client = client_as(outsider)
    assert outsider_client.get(url("overview")).status_code == 404
    assert outsider_client.get(url("journey_scores", pk=journey_a.pk)).status_code == 404


def test_an_archived_journey_or_touchpoint_is_not_found(client_as, manager_a, org_a, journey_a):
    parcel = touchpoint(org_a, "parcel-received")
    with organization_scope(org_a):
        Touchpoint.objects.filter(pk=parcel.pk).update(archived_at=timezone.now())
        Journey.objects.filter(pk=journey_a.pk).update(archived_at=timezone.now())
    client = client_as(manager_a)
    assert client.get(url("touchpoint_scores", pk=parcel.pk)).status_code == 404
    assert client.get(url("journey_scores", pk=journey_a.pk)).status_code == 404


def test_a_journey_filter_of_another_organization_is_refused_not_applied(
    client_as, manager_a, outsider, org_b, journey_a
):
    journey_b = create_journey_from_template(org_b, "ecommerce", outsider)
    response = client_as(manager_a).get(url("overview"), {"journey": journey_b.pk})
    assert response.status_code == 200
    assert response.context["selection"].filters.journey is None
    assert "Select a valid choice" in response.content.decode()


# --- No answers, few answers ------------------------------------------------------------------


def test_it_says_no_answers_yet_at_n_zero(client_as, agent_a, journey_a, parcel, org_a):
    refreshed(org_a)
    client = client_as(agent_a)
    html = client.get(url("overview")).content.decode()
    for metric in ("nps", "csat", "ces"):
        assert indicator(html, metric) == "no answers yet"
    assert "no invitation sent" in html
    journey = client.get(url("journey_scores", pk=journey_a.pk)).content.decode()
    assert "no answers yet" in journey
    assert 'data-chart="chart-emotion-data"' not in journey  # nothing to draw
    page = client.get(url("touchpoint_scores", pk=parcel.pk)).content.decode()
    assert "no answers yet" in page
    assert "No written answer in this period." in page


def test_it_marks_a_value_below_the_minimum_n(
    client_as, agent_a, org_a, nps_survey, parcel, journey_a
):
    answers(nps_survey, parcel, [10, 10, 9, 3])
    refreshed(org_a)
    html = client_as(agent_a).get(url("overview")).content.decode()
    block = indicator_block(html, "nps")
    assert indicator(html, "nps") == "+50"
    assert "state-low" in block
    assert "few answers: 4, below the minimum of 30" in block
    assert "n = 4 answers" in block
    journey = client_as(agent_a).get(url("journey_scores", pk=journey_a.pk)).content.decode()
    card = journey[journey.index(f'id="score-{parcel.pk}"') :]
    card = card[: card.index("</li>")]
    assert "few answers" in card


def test_enough_answers_show_the_value_its_interval_and_its_level(
    client_as, agent_a, org_a, nps_survey, parcel
):
    org_a.minimum_n = 3
    org_a.save()
    answers(nps_survey, parcel, [10, 9, 9, 2])
    refreshed(org_a)
    html = client_as(agent_a).get(url("overview")).content.decode()
    block = indicator_block(html, "nps")
    assert indicator(html, "nps") == "+50"
    assert "state-ok" in block
    assert "95% interval" in block
    weakest = html[html.index('id="weakest"') :]
    assert "Receives the parcel" in weakest
    assert re.search(
        r"level-icon\" aria-hidden=\"true\">[▼■▲]</span> (disappointing|neutral|enchantment)",
        weakest,
    )


# --- Period and filters -----------------------------------------------------------------------


def test_the_period_selector_changes_the_numbers(client_as, agent_a, org_a, nps_survey, parcel):
    answers(nps_survey, parcel, [10, 10], days_ago=2)
    answers(nps_survey, parcel, [1, 1, 1, 1], days_ago=50)
    refreshed(org_a)
    client = client_as(agent_a)
    assert indicator(client.get(url("overview"), {"period": "7"}).content.decode(), "nps") == "+100"
    ninety = client.get(url("overview"), {"period": "90"}).content.decode()
    assert indicator(ninety, "nps") == "−33"
    today = timezone.localdate()
    custom = client.get(
        url("overview"),
        {
            "period": "custom",
            "since": (today - timedelta(days=60)).isoformat(),
            "until": (today - timedelta(days=40)).isoformat(),
        },
    ).content.decode()
    assert indicator(custom, "nps") == "−100"
    # The trend against the previous period of the same length.
    week = client.get(url("overview"), {"period": "7"}).content.decode()
    assert "no answers in the previous period" in indicator_block(week, "nps")
    month = client.get(url("overview"), {"period": "30"}).content.decode()
    assert "up +200 pts vs the previous period (significant)" in indicator_block(month, "nps")


def test_an_inverted_custom_period_is_reported_and_the_default_shown(client_as, agent_a):
    today = timezone.localdate()
    response = client_as(agent_a).get(
        url("overview"),
        {
            "period": "custom",
            "since": today.isoformat(),
            "until": (today - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "The last day must come after the first day." in response.content.decode()
    assert response.context["selection"].days == 30


def test_a_channel_filter_changes_the_numbers(client_as, agent_a, org_a, nps_survey, parcel):
    answers(nps_survey, parcel, [10, 10, 10], channel="sms")
    answers(nps_survey, parcel, [0], channel="email")
    refreshed(org_a)
    client = client_as(agent_a)
    assert indicator(client.get(url("overview")).content.decode(), "nps") == "+50"
    by_email = client.get(url("overview"), {"channel": "email"}).content.decode()
    assert indicator(by_email, "nps") == "−100"
    page = client.get(url("touchpoint_scores", pk=parcel.pk), {"channel": "sms"}).content.decode()
    assert indicator(page, "nps") == "+100"


def test_a_journey_filter_keeps_only_its_touchpoints(
    client_as, manager_a, org_a, nps_survey, parcel
):
    other = create_journey_from_template(org_a, "retail", manager_a)
    store = in_scope(org_a, lambda: Touchpoint.objects.filter(stage__journey=other).first())
    answers(nps_survey, parcel, [10, 10])
    answers(nps_survey, store, [0, 0])
    refreshed(org_a)
    client = client_as(manager_a)
    assert indicator(client.get(url("overview")).content.decode(), "nps") == "0"
    html = client.get(url("overview"), {"journey": other.pk}).content.decode()
    assert indicator(html, "nps") == "−100"


# --- Journey scores ---------------------------------------------------------------------------


def test_the_journey_page_names_the_two_touchpoints_to_act_on_first(
    client_as, agent_a, org_a, nps_survey, journey_a
):
    parcel = touchpoint(org_a, "parcel-received")  # importance 5, very low
    purchase = touchpoint(org_a, "purchase")  # importance 5, low
    ad = touchpoint(org_a, "ad-seen")  # importance 2: the lowest level, not the first to fix
    website = touchpoint(org_a, "website-visit")  # good
    answers(nps_survey, parcel, [0, 1, 2])
    answers(nps_survey, purchase, [3, 4, 3])
    answers(nps_survey, ad, [0, 0, 0])
    answers(nps_survey, website, [10, 10, 10])
    refreshed(org_a)
    response = client_as(agent_a).get(url("journey_scores", pk=journey_a.pk))
    html = response.content.decode()
    sentence = html[html.index('id="act-first-text"') :]
    sentence = sentence[: sentence.index("</p>")]
    assert "Receives the parcel" in sentence
    assert "Places the order and pays" in sentence
    assert "Sees an ad" not in sentence
    assert sentence.index("Receives the parcel") < sentence.index("Places the order")
    # Every level in words with an icon; moments of truth marked in words too.
    assert "▼</span> disappointing" in html
    assert "▲</span> enchantment" in html
    assert "moment of truth" in html
    # The emotion curve and the priority matrix, each with its data table.
    for chart in ("emotion", "priorities"):
        assert f'data-chart="chart-{chart}-data"' in html
        assert f'<script id="chart-{chart}-data" type="application/json">' in html
    assert html.count("Show data") >= 2
    stages = [column["stage"].name for column in response.context["columns"]]
    assert stages[:3] == ["Discovery", "Information search", "Purchase"]


def test_the_journey_map_links_to_its_scores_and_cards_show_their_score(
    client_as, agent_a, org_a, nps_survey, journey_a
):
    parcel = touchpoint(org_a, "parcel-received")
    answers(nps_survey, parcel, [9, 10])
    refreshed(org_a)
    client = client_as(agent_a)
    map_html = client.get(
        reverse("journeys:map", kwargs={"org_slug": "alpha", "pk": journey_a.pk})
    ).content.decode()
    assert url("journey_scores", pk=journey_a.pk) in map_html
    card = map_html[map_html.index(f'id="touchpoint-{parcel.pk}"') :]
    card = card[: card.index("</li>")]
    assert "NPS +100" in card and "enchantment" in card
    page = client.get(
        reverse("journeys:touchpoint", kwargs={"org_slug": "alpha", "pk": parcel.pk})
    ).content.decode()
    assert url("touchpoint_scores", pk=parcel.pk) in page


# --- Touchpoint scores ------------------------------------------------------------------------


def test_the_touchpoint_page_shows_trend_distribution_channels_and_verbatims(
    client_as, agent_a, org_a, nps_survey, parcel
):
    answer(nps_survey, parcel, 2, text="The parcel came <b>late</b>", days_ago=1)
    answer(nps_survey, parcel, 10, text="Perfect", channel="email")
    refreshed(org_a)
    response = client_as(agent_a).get(url("touchpoint_scores", pk=parcel.pk))
    html = response.content.decode()
    for chart in ("trend", "distribution"):
        assert f'data-chart="chart-{chart}-data"' in html
    assert "Detractors (0–6)" in html
    assert "The parcel came &lt;b&gt;late&lt;/b&gt;" in html  # escaped
    assert html.index("Perfect") < html.index("The parcel came")  # newest first


# --- Page mechanics ---------------------------------------------------------------------------


def test_plotly_comes_from_the_installed_package_and_no_script_is_inline(client_as, agent_a):
    found = finders.find("vendor/plotly/plotly.min.js")
    assert found and found.endswith("plotly/package_data/plotly.min.js")
    html = client_as(agent_a).get(url("overview")).content.decode()
    assert 'src="/static/vendor/plotly/plotly.min.js"' in html
    for tag in re.findall(r"<script[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag


def test_it_shows_the_registered_dashboard_panels_by_role(
    client_as, agent_a, admin_a, settings, tmp_path
):
    from vocapp import registry

    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "dashboard_panel.html").write_text("<p>{{ days }} days of data</p>")
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [*settings.TEMPLATES[0]["DIRS"], tmp_path]}
    ]

    def context(organization, request, filters):
        return {"days": (filters.period.until - filters.period.since).days + 1}

    registry.dashboard_panels.register(
        registry.Panel("test-panel", "Test panel", "tests/dashboard_panel.html", context)
    )
    registry.dashboard_panels.register(
        registry.Panel(
            "test-hidden",
            "Hidden panel",
            "tests/dashboard_panel.html",
            context,
            capability="manage_organization",
        )
    )
    try:
        html = client_as(agent_a).get(url("overview"), {"period": "7"}).content.decode()
        assert "Test panel" in html and "Hidden panel" not in html
        assert "7 days of data" in html
        assert "Hidden panel" in client_as(admin_a).get(url("overview")).content.decode()
    finally:
        registry.dashboard_panels.unregister("test-panel")
        registry.dashboard_panels.unregister("test-hidden")


def add_touchpoints(org, journey, count):
    with organization_scope(org):
        stage = Stage.objects.filter(journey=journey).first()
        return [
            Touchpoint.objects.create(stage=stage, name=f"Extra {number}", key=f"extra-{number}")
            for number in range(count)
        ]


def queries_of(client, address) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_each_page_costs_a_fixed_number_of_queries(
    client_as,
    manager_a,
    org_a,
    nps_survey,
    journey_a,
    parcel,
    django_assert_max_num_queries,
):
    client = client_as(manager_a)
    answers(nps_survey, parcel, [3, 9])
    refreshed(org_a)
    pages = {
        url("overview"): OVERVIEW_QUERIES,
        url("journey_scores", pk=journey_a.pk): JOURNEY_QUERIES,
        url("touchpoint_scores", pk=parcel.pk): TOUCHPOINT_QUERIES,
    }
    client.get(url("overview"))  # the session and the language settle
    before = {}
    for address, bound in pages.items():
        with django_assert_max_num_queries(bound):
            client.get(address)
        before[address] = queries_of(client, address)

    for extra in add_touchpoints(org_a, journey_a, 12):
        answers(nps_survey, extra, [1, 7, 10])
    refreshed(org_a)
    after = {address: queries_of(client, address) for address in pages}
    assert after == before
