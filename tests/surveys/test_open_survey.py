"""Open surveys (``/q/<public key>/``): a touchpoint's survey without invitation, answered from a
QR code; contact details left with consent; the QR code as PNG and SVG on the touchpoint's page.
"""

import io
import re
from datetime import timedelta

import pytest
import segno
import time_machine
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from surveys.models import ListeningRule, Response
from surveys.open_surveys import open_survey_link
from vocapp.contacts.models import Contact
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import make_contact
from .open_fixtures import (
    answers_of,
    contact_url,
    details_key,
    make_open_survey,
    make_touchpoint,
    open_url,
    responses_at,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def store_visit(org_a):
    return make_touchpoint(org_a)


@pytest.fixture
def counter_survey(store_visit):
    return make_open_survey(store_visit)


def page_url(name, touchpoint):
    return reverse(name, kwargs={"org_slug": touchpoint.organization.slug, "pk": touchpoint.pk})


def answer(client, touchpoint, **data):
    """The whole form, as a browser without JavaScript sends it."""
    return client.post(open_url(touchpoint), {f"q_{k}": v for k, v in data.items()})


# --- the page ----------------------------------------------------------------------------------


def test_it_shows_the_touchpoints_survey_and_records_nothing(client, store_visit, counter_survey):
    page = client.get(open_url(store_visit))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Would you recommend our store?" in text and "Alpha Shop" in text
    assert "no-store" in page["Cache-Control"]
    assert responses_at(store_visit) == []


def test_it_speaks_the_visitors_language(client, store_visit, counter_survey):
    page = client.get(open_url(store_visit), headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert "Recommanderiez-vous notre magasin ?" in page.content.decode()


def test_an_answer_is_anonymous_on_the_qr_channel(client, store_visit, counter_survey):
    thanks = answer(client, store_visit, nps="3", why="Long queue")
    assert thanks.status_code == 200
    assert "Thank you, see you soon!" in thanks.content.decode()
    [response] = responses_at(store_visit)
    assert (response.channel, response.contact, response.invitation_id, response.device) == (
        "qr",
        None,
        None,
        None,
    )
    assert response.completed_at is not None
    with organization_scope(store_visit.organization):
        assert response.survey_version == counter_survey.current_version
    assert answers_of(response) == {"nps": 3, "why": "Long queue"}


def test_each_answer_saved_on_its_own_joins_one_response(client, store_visit, counter_survey):
    first = client.post(open_url(store_visit), {"only": "nps", "q_nps": "2"})
    assert first.status_code == 200, first.content
    key = first.json()["response"]
    second = client.post(
        open_url(store_visit), {"only": "why", "q_nps": "2", "q_why": "Rude", "response": key}
    )
    assert second.status_code == 200, second.content
    [response] = responses_at(store_visit)
    assert answers_of(response) == {"nps": 2, "why": "Rude"}
    assert response.completed_at is None  # the customer left after the verbatim: it counts


def test_a_second_visitor_starts_a_new_response(client, store_visit, counter_survey):
    answer(client, store_visit, nps="9")
    fresh = client.get(open_url(store_visit))
    assert 'name="response" value=""' in fresh.content.decode()
    assert " checked" not in fresh.content.decode()
    answer(client, store_visit, nps="4")
    assert [answers_of(r) for r in responses_at(store_visit)] == [{"nps": 9}, {"nps": 4}]


def test_a_bad_score_is_a_400_that_says_so(client, store_visit, counter_survey):
    refused = client.post(open_url(store_visit), {"only": "nps", "q_nps": "12"})
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"q_nps": ["A score from 0 to 10, please."]}
    assert responses_at(store_visit) == []


def test_an_unknown_key_is_a_kind_404(client, db):
    page = client.get(reverse("open_survey", kwargs={"public_key": "no-such-key"}))
    assert page.status_code == 404
    assert "This link does not lead to a survey" in page.content.decode()


def test_an_archived_touchpoint_has_no_open_survey(client, store_visit, counter_survey):
    with organization_scope(store_visit.organization):
        store_visit.archived_at = timezone.now()
        store_visit.save()
    assert client.get(open_url(store_visit)).status_code == 404
    assert answer(client, store_visit, nps="9").status_code == 404
    assert responses_at(store_visit) == []


# --- which survey ------------------------------------------------------------------------------


def test_the_highest_priority_active_rule_names_the_survey(client, store_visit, counter_survey):
    other = make_open_survey(store_visit, name="Other", priority=90)
    answer(client, store_visit, nps="8")
    [response] = responses_at(store_visit)
    assert response.survey_version.survey_id == other.pk


def test_without_an_active_rule_it_asks_the_survey_last_answered_there(
    client, store_visit, counter_survey
):
    answer(client, store_visit, nps="8")
    with organization_scope(store_visit.organization):
        ListeningRule.objects.update(active=False)
    again = answer(client, store_visit, nps="6")
    assert again.status_code == 200
    assert {r.survey_version.survey_id for r in responses_at(store_visit)} == {counter_survey.pk}


def test_without_any_survey_the_page_says_none_is_open(client, store_visit):
    page = client.get(open_url(store_visit))
    assert page.status_code == 404
    assert "No survey at the moment" in page.content.decode()
    assert "Alpha Shop is not asking for opinions here" in page.content.decode()


def test_an_archived_survey_is_never_asked(client, store_visit, counter_survey):
    with organization_scope(store_visit.organization):
        counter_survey.archived_at = timezone.now()
        counter_survey.save()
    assert client.get(open_url(store_visit)).status_code == 404


# --- contact details ---------------------------------------------------------------------------


def leave(client, touchpoint, thanks, **data):
    return client.post(contact_url(touchpoint), {"details": details_key(thanks), **data})


def test_the_thank_you_offers_to_leave_contact_details_with_consent(
    client, store_visit, counter_survey
):
    thanks = answer(client, store_visit, nps="2")
    text = thanks.content.decode()
    assert "Would you like Alpha Shop to get back to you?" in text
    assert 'type="checkbox" name="consent"' in text
    assert "checked" not in text.split('name="consent"')[1].split(">")[0]


def test_details_without_consent_are_refused_and_nothing_is_kept(
    client, store_visit, counter_survey, org_a
):
    thanks = answer(client, store_visit, nps="2")
    refused = leave(client, store_visit, thanks, email="camille@example.com")
    assert refused.status_code == 400
    assert "Tick the box to agree to be contacted" in refused.content.decode()
    assert 'value="camille@example.com"' in refused.content.decode()  # nothing typed is lost
    with organization_scope(org_a):
        assert not Contact.objects.exists()
    assert responses_at(store_visit)[0].contact is None


@pytest.mark.parametrize(
    "data, message",
    [
        ({"consent": "yes"}, "Give an email address or a phone number."),
        ({"email": "not an address", "consent": "yes"}, "This email address does not look right"),
        ({"phone": "12", "consent": "yes"}, "This phone number does not look right"),
    ],
)
def test_details_that_cannot_be_used_are_a_400_that_says_why(
    client, store_visit, counter_survey, org_a, data, message
):
    thanks = answer(client, store_visit, nps="2")
    refused = leave(client, store_visit, thanks, **data)
    assert refused.status_code == 400
    assert message in refused.content.decode()
    with organization_scope(org_a):
        assert not Contact.objects.exists()


def test_details_with_consent_create_a_contact_and_credit_the_answer(
    client, store_visit, counter_survey, org_a
):
    thanks = answer(client, store_visit, nps="2")
    done = leave(
        client,
        store_visit,
        thanks,
        email=" Camille@Example.com ",
        phone="06 12 34 56 78",
        consent="yes",
    )
    assert done.status_code == 200
    assert "Alpha Shop may get back to you" in done.content.decode()
    with organization_scope(org_a):
        contact = Contact.objects.get()
    assert (contact.email, contact.phone, contact.locale) == (
        "camille@example.com",
        "+33612345678",
        "en",
    )
    assert contact.email_consent_at is not None and contact.sms_consent_at is not None
    assert contact.external_id.startswith("qr-") and "camille" not in contact.external_id
    assert responses_at(store_visit)[0].contact == contact


def test_details_are_left_once(client, store_visit, counter_survey):
    thanks = answer(client, store_visit, nps="2")
    assert (
        leave(client, store_visit, thanks, email="a@example.com", consent="yes").status_code == 200
    )
    again = leave(client, store_visit, thanks, email="b@example.com", consent="yes")
    assert again.status_code == 410
    assert responses_at(store_visit)[0].contact.email == "a@example.com"


def test_details_come_too_late_after_half_an_hour(client, store_visit, counter_survey, org_a):
    thanks = answer(client, store_visit, nps="2")
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        late = leave(client, store_visit, thanks, email="a@example.com", consent="yes")
    assert late.status_code == 410
    with organization_scope(org_a):
        assert not Contact.objects.exists()


def test_a_forged_or_foreign_key_credits_nothing(client, store_visit, counter_survey, org_b):
    thanks = answer(client, store_visit, nps="2")
    forged = client.post(
        contact_url(store_visit),
        {"details": details_key(thanks) + "x", "email": "a@example.com", "consent": "yes"},
    )
    assert forged.status_code == 410
    # The key of A's response at B's touchpoint: refused, and B gets no contact.
    elsewhere = make_touchpoint(org_b, key="b-store")
    make_open_survey(elsewhere)
    moved = leave(client, elsewhere, thanks, email="a@example.com", consent="yes")
    assert moved.status_code == 410
    assert responses_at(store_visit)[0].contact is None
    with organization_scope(org_b):
        assert not Contact.objects.exists()


def test_an_existing_contact_is_reused_and_its_other_address_kept(
    client, store_visit, counter_survey, org_a
):
    known = make_contact(org_a, "crm-42", email="camille@example.com", phone="+33611111111")
    thanks = answer(client, store_visit, nps="9")
    leave(
        client, store_visit, thanks, email="camille@example.com", phone="0622222222", consent="yes"
    )
    with organization_scope(org_a):
        contact = Contact.objects.get()
    assert contact.pk == known.pk
    # Anyone can type an address: a known contact's phone is not replaced by the one typed.
    assert contact.phone == "+33611111111" and contact.sms_consent_at is None
    assert contact.email_consent_at is not None
    assert responses_at(store_visit)[0].contact == contact


def test_details_need_a_completed_answer(client, store_visit, counter_survey):
    thanks = answer(client, store_visit, nps="2")
    with organization_scope(store_visit.organization):
        Response.objects.update(completed_at=None)
    refused = leave(client, store_visit, thanks, email="a@example.com", consent="yes")
    assert refused.status_code == 410


# --- QR codes ----------------------------------------------------------------------------------


def modules_of_png(png: bytes, scale=10, border=4):
    """The dark modules of a PNG QR code, read back pixel by pixel at each module's centre."""
    image = Image.open(io.BytesIO(png)).convert("L")
    size = image.width // scale - 2 * border
    return [
        [
            image.getpixel(((border + x) * scale + scale // 2, (border + y) * scale + scale // 2))
            < 128
            for x in range(size)
        ]
        for y in range(size)
    ]


def modules_of(url):
    return [[bool(cell) for cell in row] for row in segno.make(url, error="m").matrix]


def test_the_qr_code_png_encodes_the_open_link(client_as, manager_a, store_visit, counter_survey):
    png = client_as(manager_a).get(page_url("surveys:touchpoint_qr_png", store_visit))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG\r\n\x1a\n")
    link = open_survey_link(store_visit)
    assert link.endswith(f"/q/{store_visit.public_key}/")
    assert modules_of_png(png.content) == modules_of(link)
    assert modules_of_png(png.content) != modules_of(link + "x")  # the check can fail


def test_the_qr_code_svg_encodes_the_open_link(client_as, agent_a, store_visit, counter_survey):
    svg = client_as(agent_a).get(page_url("surveys:touchpoint_qr_svg", store_visit))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert svg["Content-Disposition"] == 'inline; filename="qr-store-visit.svg"'
    path = re.search(rb' d="([^"]+)"', svg.content).group(1)
    link = open_survey_link(store_visit)
    expected = io.BytesIO()
    segno.make(link, error="m").save(expected, kind="svg", scale=10, border=4)
    assert path == re.search(rb' d="([^"]+)"', expected.getvalue()).group(1)
    assert b"<svg" in svg.content and b"<script" not in svg.content


def test_the_touchpoints_page_links_to_the_qr_codes_and_its_open_survey(
    client_as, agent_a, store_visit
):
    page = client_as(agent_a).get(page_url("journeys:touchpoint", store_visit))
    text = page.content.decode()
    for name in ("touchpoint_qr_png", "touchpoint_qr_svg", "touchpoint_open_survey"):
        assert page_url(f"surveys:{name}", store_visit) in text


def test_the_open_survey_page_shows_the_link_and_the_survey_asked(
    client_as, agent_a, store_visit, counter_survey
):
    page = client_as(agent_a).get(page_url("surveys:touchpoint_open_survey", store_visit))
    text = page.content.decode()
    assert open_survey_link(store_visit) in text
    assert "Store visit NPS" in text
    assert "Add a device" not in text  # agents read, managers configure


def test_another_organizations_qr_code_is_a_404(client_as, outsider, store_visit, counter_survey):
    client = client_as(outsider)
    for name in ("touchpoint_qr_png", "touchpoint_qr_svg", "touchpoint_open_survey"):
        assert client.get(page_url(f"surveys:{name}", store_visit)).status_code == 404
        beta = reverse(f"surveys:{name}", kwargs={"org_slug": "beta", "pk": store_visit.pk})
        assert client.get(beta).status_code == 404
