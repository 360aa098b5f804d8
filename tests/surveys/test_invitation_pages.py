"""The invitation pages a CX manager reads to tune sampling and fatigue: counts by state, the
reasons invitations were not sent, the latest ones, over a period in the organization's time
zone; a campaign's page adds its sendings."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils.html import escape

from surveys.models import Campaign, CampaignRun, Invitation
from surveys.views.invitations import period_start
from vocapp.contacts.models import Contact
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope, url

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def camille(org_a):
    return in_scope(org_a, lambda: Contact.objects.create(external_id="c-1", first_name="Camille"))


def invite(touchpoint, contact, survey, count=1, *, created_at=None, **fields):
    """``count`` invitations at the touchpoint (or of ``campaign=``), as the scheduler leaves
    them; ``created_at`` moved afterwards (the field is set on insert)."""
    fields = {"kind": "hot", "channel": "sms", "state": "sent", **fields}
    with organization_scope(contact.organization):
        rows = [
            Invitation.objects.create(
                contact=contact,
                touchpoint=touchpoint,
                survey_version=survey.current_version,
                **fields,
            )
            for _ in range(count)
        ]
        if created_at is not None:
            Invitation.objects.filter(pk__in=[row.pk for row in rows]).update(created_at=created_at)
    return rows


def page_text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def row_of(text: str, label: str) -> str:
    """The table row whose first cell shows ``label`` (linked or not)."""
    match = re.search(
        rf"<tr[^>]*>\s*<td>(?:<a [^>]*>)?{re.escape(label)}(?:</a>)?</td>.*?</tr>", text
    )
    assert match, f"no row for {label!r}"
    return match.group(0)


def cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)
    ]


@pytest.fixture
def decisions(parcel_received, camille, nps_survey):
    """Ten decisions this week: 3 answered, 2 sent, 4 held back by fatigue, 1 by consent."""
    with time_machine.travel(NOW, tick=False):
        invite(parcel_received, camille, nps_survey, 3, state="answered")
        invite(parcel_received, camille, nps_survey, 2, state="sent")
        invite(parcel_received, camille, nps_survey, 4, state="suppressed", reason="fatigue")
        invite(parcel_received, camille, nps_survey, 1, state="suppressed", reason="no_consent")


def test_a_manager_reads_the_counts_by_state_and_why_invitations_were_not_sent(
    client_as, manager_a, parcel_received, decisions
):
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        response = client_as(manager_a).get(url("touchpoint_invitations", pk=parcel_received.pk))

    assert response.status_code == 200
    text = page_text(response)
    assert cells(row_of(text, "Answered")) == ["Answered", "3"]
    assert cells(row_of(text, "Sent")) == ["Sent", "2"]
    assert cells(row_of(text, "Not sent")) == ["Not sent", "5"]
    assert cells(row_of(text, "Failed")) == ["Failed", "0"]
    # Most frequent reason first, each with its share of the ten decisions.
    fatigue = escape("Already surveyed recently (fatigue)")
    consent = escape("No consent for the rule's channels")
    assert cells(row_of(text, fatigue)) == [fatigue, "4", "40.0 %"]
    assert cells(row_of(text, consent)) == [consent, "1", "10.0 %"]
    reasons = text[text.index('id="invitation-reasons"') :]
    assert reasons.index(fatigue) < reasons.index(consent)
    assert "10 invitations" in text


def test_the_list_shows_each_invitation_with_its_contact_and_times_in_the_organizations_zone(
    client_as, agent_a, org_a, parcel_received, camille, nps_survey
):
    org_a.time_zone = "America/New_York"
    org_a.save()
    invite(
        parcel_received,
        camille,
        nps_survey,
        state="suppressed",
        reason="outside_window",
        kind="warm",
        channel="email",
        send_at=datetime(2026, 3, 11, 13, 30, tzinfo=UTC),
        created_at=datetime(2026, 3, 10, 3, 15, tzinfo=UTC),
    )
    with time_machine.travel(NOW, tick=False):
        response = client_as(agent_a).get(url("touchpoint_invitations", pk=parcel_received.pk))

    assert response.status_code == 200
    text = page_text(response)
    contact_url = reverse("contacts:detail", kwargs={"org_slug": "alpha", "pk": camille.pk})
    row = row_of(text, f'<a href="{contact_url}">Camille')
    # No interaction behind it (made by hand here): the interaction column shows a dash.
    assert cells(row)[1:6] == ["—", "Warm", "email", "Not sent", "Outside the sending window"]
    # 13:30 UTC is 09:30 in New York (daylight saving time from 8 March); 03:15 UTC the day
    # before at 23:15.
    assert "03/11/2026 9:30 a.m." in cells(row)[6]
    assert "03/09/2026 11:15 p.m." in cells(row)[7]
    assert "America/New_York" in text


def test_the_period_counts_whole_days_in_the_organizations_time_zone(
    client_as, manager_a, org_a, parcel_received, camille, nps_survey
):
    org_a.time_zone = "Pacific/Auckland"  # UTC+13 in March
    org_a.save()
    now = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)  # 21 March, 01:00 in Auckland
    # The first of the last 7 days in Auckland is 15 March, which starts at 11:00 UTC on the
    # 14th: a decision just before is out, one just after is in.
    invite(
        parcel_received, camille, nps_survey, created_at=datetime(2026, 3, 14, 10, 59, tzinfo=UTC)
    )
    invite(
        parcel_received,
        camille,
        nps_survey,
        state="answered",
        created_at=datetime(2026, 3, 14, 11, 1, tzinfo=UTC),
    )
    invite(parcel_received, camille, nps_survey, 2, created_at=now - timedelta(days=40))
    client = client_as(manager_a)
    page = url("touchpoint_invitations", pk=parcel_received.pk)

    with time_machine.travel(now, tick=False):
        week = client.get(page, {"period": "7"})
        month = client.get(page)  # 30 days by default
        quarter = client.get(page, {"period": "90"})

    assert week.context["total"] == 1
    assert cells(row_of(page_text(week), "Answered")) == ["Answered", "1"]
    assert cells(row_of(page_text(week), "Sent")) == ["Sent", "0"]
    assert week.context["since"] == date(2026, 3, 15)
    assert month.context["total"] == 2
    assert quarter.context["total"] == 4
    assert period_start(org_a, 7, now) == datetime(2026, 3, 14, 11, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "query",
    [
        {"period": "365"},
        {"period": "abc"},
        {"state": "lost"},
        {"reason": "<script>"},
        {"page": "99"},
        {"page": "x"},
        {"period": ["7", "x"], "state": ""},
    ],
)
def test_unknown_filter_values_fall_back_to_the_defaults(
    client_as, manager_a, parcel_received, decisions, query
):
    with time_machine.travel(NOW, tick=False):
        response = client_as(manager_a).get(
            url("touchpoint_invitations", pk=parcel_received.pk), query
        )
    assert response.status_code == 200
    assert response.context["total"] == 10


def test_the_list_is_filtered_by_state_or_reason_while_the_counts_stay_whole(
    client_as, manager_a, parcel_received, decisions
):
    client = client_as(manager_a)
    page = url("touchpoint_invitations", pk=parcel_received.pk)
    with time_machine.travel(NOW, tick=False):
        suppressed = client.get(page, {"state": "suppressed"})
        fatigue = client.get(page, {"reason": "fatigue", "period": "7"})

    assert {i.state for i in suppressed.context["page"]} == {"suppressed"}
    assert suppressed.context["page"].paginator.count == 5
    assert suppressed.context["total"] == 10
    assert [i.reason for i in fatigue.context["page"]] == ["fatigue"] * 4
    assert "4 invitations" in page_text(fatigue)
    # The counts link to the list they sum up, in the same period.
    assert 'href="?period=7&amp;reason=fatigue"' in page_text(fatigue)


def test_the_list_shows_fifty_invitations_a_page_in_bounded_queries(
    client_as, manager_a, parcel_received, camille, nps_survey, django_assert_max_num_queries
):
    others = in_scope(
        camille.organization,
        lambda: [Contact.objects.create(external_id=f"c-{n}") for n in range(2, 12)],
    )
    with time_machine.travel(NOW, tick=False):
        for contact in [camille, *others]:
            invite(parcel_received, contact, nps_survey, 3, state="sent")
            invite(parcel_received, contact, nps_survey, 3, state="suppressed", reason="fatigue")
    client = client_as(manager_a)
    page = url("touchpoint_invitations", pk=parcel_received.pk)
    client.get(page)  # the session and the language are settled once

    with time_machine.travel(NOW, tick=False):
        with django_assert_max_num_queries(10):
            first = client.get(page)
        second = client.get(page, {"page": "2"})

    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 16
    assert 'href="?period=30&amp;page=2"' in page_text(first)


def test_a_touchpoint_without_invitations_says_where_they_come_from(
    client_as, manager_a, parcel_received
):
    response = client_as(manager_a).get(url("touchpoint_invitations", pk=parcel_received.pk))
    assert response.status_code == 200
    assert "POST /api/v1/interactions/" in page_text(response)
    assert "Latest invitations" not in page_text(response)


def test_the_touchpoint_page_of_the_journey_map_links_to_its_invitations(
    client_as, agent_a, parcel_received
):
    response = client_as(agent_a).get(
        reverse("journeys:touchpoint", kwargs={"org_slug": "alpha", "pk": parcel_received.pk})
    )
    assert url("touchpoint_invitations", pk=parcel_received.pk) in response.content.decode()


def test_another_organizations_touchpoint_or_campaign_is_a_404(
    client_as, outsider, parcel_received, decisions, nps_survey, org_a
):
    campaign = in_scope(
        org_a,
        lambda: Campaign.objects.create(
            name="Barometer", survey=nps_survey, channels=["email"], starts_on=date(2026, 3, 9)
        ),
    )
    client = client_as(outsider)
    for name, pk in (
        ("touchpoint_invitations", parcel_received.pk),
        ("campaign_invitations", campaign.pk),
    ):
        under_b = reverse(f"surveys:{name}", kwargs={"org_slug": "beta", "pk": pk})
        assert client.get(under_b).status_code == 404
        assert client.get(url(name, pk=pk)).status_code == 404


# --- campaigns ------------------------------------------------------------------------------


@pytest.fixture
def barometer(org_a, nps_survey):
    return in_scope(
        org_a,
        lambda: Campaign.objects.create(
            name="Barometer",
            survey=nps_survey,
            channels=["email"],
            starts_on=date(2026, 3, 9),
            repeat_every_days=182,
        ),
    )


def test_a_campaign_page_shows_its_sendings_and_their_invitations(
    client_as, agent_a, org_a, barometer, camille, nps_survey
):
    with organization_scope(org_a):
        CampaignRun.objects.create(
            campaign=barometer,
            scheduled_for=date(2026, 3, 9),
            total=400,
            processed=100,
            scheduled_count=80,
            suppressed_count=20,
        )
        CampaignRun.objects.create(
            campaign=barometer,
            scheduled_for=date(2025, 9, 8),
            status="done",
            total=300,
            processed=300,
            scheduled_count=290,
            suppressed_count=10,
        )
    with time_machine.travel(NOW, tick=False):
        invite(None, camille, nps_survey, 2, campaign=barometer, kind="cold", channel="email")
        invite(
            None,
            camille,
            nps_survey,
            campaign=barometer,
            kind="cold",
            state="suppressed",
            reason="cold_cap",
        )
        response = client_as(agent_a).get(url("campaign_invitations", pk=barometer.pk))

    assert response.status_code == 200
    text = page_text(response)
    running = row_of(text, "March 9, 2026")
    assert cells(running)[1] == "Preparing invitations"
    assert '<progress max="100" value="25"' in running
    assert "25 % · 100 of 400 contacts" in running
    assert cells(running)[3:] == ["80", "20"]
    done = row_of(text, "Sept. 8, 2025")
    assert cells(done)[1] == "Done" and "100 % · 300 of 300 contacts" in done
    assert cells(row_of(text, "Sent")) == ["Sent", "2"]
    assert cells(row_of(text, "Two cold surveys this year already")) == [
        "Two cold surveys this year already",
        "1",
        "33.3 %",
    ]


def test_a_campaign_not_run_yet_says_when_it_will_and_the_list_links_to_its_page(
    client_as, manager_a, barometer
):
    client = client_as(manager_a)
    page = client.get(url("campaign_invitations", pk=barometer.pk))
    assert page.status_code == 200
    assert "No sending yet (first sending: March 9, 2026)." in page_text(page)
    assert "once it runs" in page_text(page)
    listing = client.get(url("campaigns")).content.decode()
    assert url("campaign_invitations", pk=barometer.pk) in listing


def test_a_campaigns_page_counts_only_its_own_invitations(
    client_as, manager_a, org_a, barometer, parcel_received, camille, nps_survey
):
    invite(parcel_received, camille, nps_survey, 3)
    invite(None, camille, nps_survey, campaign=barometer, kind="cold")
    response = client_as(manager_a).get(url("campaign_invitations", pk=barometer.pk))
    assert response.context["total"] == 1


# --- on a phone -----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_invitations_and_the_policy_fit_a_phone(
    transactional_db, live_server, admin_a, parcel_received, camille, nps_survey, barometer
):
    from tests.journeys.browser import PHONE, assert_fits_phone_width, launched_chromium, sign_in

    # Now, not at NOW: the live server runs on the real clock.
    invite(parcel_received, camille, nps_survey, 2, state="answered")
    invite(parcel_received, camille, nps_survey, state="suppressed", reason="no_address")
    in_scope(
        barometer.organization,
        lambda: CampaignRun.objects.create(
            campaign=barometer, scheduled_for=date(2026, 3, 9), total=400, processed=100
        ),
    )
    with launched_chromium() as chromium:
        context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB")
        page = context.new_page()
        sign_in(page, admin_a.email)
        for name, kwargs in (
            ("touchpoint_invitations", {"pk": parcel_received.pk}),
            ("campaign_invitations", {"pk": barometer.pk}),
            ("delivery_policy", {}),
        ):
            page.goto(url(name, **kwargs))
            assert_fits_phone_width(page)
        context.close()
