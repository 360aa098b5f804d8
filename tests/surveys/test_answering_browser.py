"""A customer answers ``/s/<token>/`` in a real browser: on a 390×844 phone (each answer stored
the moment it is given, so leaving after the score still counts), with the keyboard only, and in
French. axe-core (from npm, ``package.json``) finds no serious or critical WCAG 2.1 AA violation
on the survey page, its thank-you and its kind pages."""

import re

import pytest
from playwright.sync_api import expect

from surveys.answering import complete, response_for
from surveys.models import Invitation
from tests.browser import axe_violations, launched_chromium, skip_without_axe
from vocapp.tenancy.scope import organization_scope

from .answering_fixtures import (
    answers_of,
    make_contact,
    make_invitation,
    response_of,
)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def chromium():
    with launched_chromium() as browser:
        yield browser


def new_phone(chromium, live_server, locale="en-GB", **options):
    context = chromium.new_context(
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        base_url=live_server.url,
        locale=locale,
        **options,
    )
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def phone(chromium, live_server):
    context = new_phone(chromium, live_server)
    yield context.new_page()
    context.close()


def link(invitation) -> str:
    return f"/s/{invitation.token}/"


def question(page, key):
    return page.locator(f"#question-{key}")


def pick(page, key, label):
    """Tap a point of a scale or a choice, as a thumb does: on its visible label."""
    question(page, key).locator("label").filter(has_text=re.compile(rf"^{label}$")).click()


def saved(page, key):
    expect(page.locator(f"#note-{key}")).to_have_text("Saved")


def assert_fits(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a {PHONE['width']} px phone"


def test_on_a_phone_each_answer_is_kept_the_moment_it_is_given(transactional_db, phone, invitation):
    page = phone
    page.goto(link(invitation))
    assert_fits(page)
    expect(question(page, "what_went_wrong")).to_be_hidden()
    pick(page, "nps", "3")
    expect(question(page, "what_went_wrong")).to_be_visible()
    expect(question(page, "what_you_liked")).to_be_hidden()
    saved(page, "nps")
    assert answers_of(invitation) == {"nps": 3}
    question(page, "what_went_wrong").locator("textarea").fill("The parcel was late")
    saved(page, "what_went_wrong")
    pick(page, "channels", "A friend")
    pick(page, "channels", "An advert")
    expect(page.locator("#note-channels")).to_have_text("Saved")
    assert_fits(page)

    # The customer leaves here: what they gave counts, the survey is not complete.
    page.goto("about:blank")
    assert answers_of(invitation)["what_went_wrong"] == "The parcel was late"
    assert response_of(invitation).completed_at is None
    assert Invitation.objects.unscoped().get(pk=invitation.pk).state == "answered"

    # Back later: their answers are there; sending completes the response.
    page.goto(link(invitation))
    expect(question(page, "nps").get_by_role("radio", name="3")).to_be_checked()
    expect(question(page, "what_went_wrong").locator("textarea")).to_have_value(
        "The parcel was late"
    )
    pick(page, "csat", "2")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thanks, see you soon!")).to_be_visible()
    assert_fits(page)
    assert answers_of(invitation) == {
        "nps": 3,
        "what_went_wrong": "The parcel was late",
        "channels": ["friend", "ad"],
        "csat": 2,
    }
    assert response_of(invitation).completed_at is not None
    page.goto(link(invitation))
    expect(page.get_by_role("heading", name="Thank you")).to_be_visible()


def test_a_score_clicked_in_the_email_is_only_pre_filled(transactional_db, phone, invitation):
    page = phone
    page.goto(f"{link(invitation)}?score=10")
    expect(question(page, "nps").get_by_role("radio", name="10")).to_be_checked()
    expect(question(page, "what_you_liked")).to_be_visible()
    assert response_of(invitation) is None
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("Thanks, see you soon!")).to_be_visible()
    assert answers_of(invitation) == {"nps": 10}


def focus_ring(page) -> str:
    """The outline a keyboard user sees on the focused element (or on its label's box)."""
    return page.evaluate(
        """() => {
            const element = document.activeElement;
            const shown = element.matches('.point input, .choice input')
                ? element.nextElementSibling : element;
            return getComputedStyle(shown).outlineStyle;
        }"""
    )


def tab_to(page, predicate_js, limit=40):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return
    raise AssertionError(f"Tab never reached {predicate_js}")


def test_with_the_keyboard_only(transactional_db, phone, invitation):
    page = phone
    page.goto(link(invitation))
    tab_to(page, "() => document.activeElement.name === 'q_nps'")
    assert focus_ring(page) == "solid"
    for _ in range(9):
        page.keyboard.press("ArrowRight")  # radios: the arrow moves and picks
    expect(question(page, "nps").get_by_role("radio", name="9")).to_be_checked()
    saved(page, "nps")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "q_what_you_liked"
    assert focus_ring(page) == "solid"
    page.keyboard.type("Quick and friendly")
    page.keyboard.press("Tab")
    saved(page, "what_you_liked")
    assert page.evaluate("document.activeElement.name") == "q_csat"  # its 1, not picked yet
    page.keyboard.press("ArrowRight")
    tab_to(page, "() => document.activeElement.name === 'q_channels'")
    page.keyboard.press("Space")
    tab_to(page, "() => document.activeElement.classList.contains('send')")
    assert focus_ring(page) == "solid"
    page.keyboard.press("Enter")
    expect(page.get_by_text("Thanks, see you soon!")).to_be_visible()
    assert answers_of(invitation) == {
        "nps": 9,
        "what_you_liked": "Quick and friendly",
        "csat": 2,
        "channels": ["friend"],
    }


def test_in_french(transactional_db, chromium, live_server, every_kind, org_a):
    context = new_phone(chromium, live_server, locale="fr-FR")
    page = context.new_page()
    contact = make_contact(org_a, "c-fr", locale="fr")
    invitation = make_invitation(every_kind, contact)
    page.goto(link(invitation))
    assert page.evaluate("document.documentElement.lang") == "fr"
    expect(
        page.get_by_text("Quelle est la probabilité que vous nous recommandiez ?")
    ).to_be_visible()
    expect(page.get_by_text("Pas du tout probable").first).to_be_visible()
    pick(page, "nps", "5")
    expect(page.get_by_text("Qu'est-ce qui n'a pas été ?")).to_be_visible()
    question(page, "what_went_wrong").locator("textarea").fill("Colis abîmé")
    pick(page, "topic", "Le service")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_text("Merci, à bientôt !")).to_be_visible()
    assert answers_of(invitation) == {
        "nps": 5,
        "what_went_wrong": "Colis abîmé",
        "topic": ["service"],
    }
    assert response_of(invitation).locale == "fr"
    context.close()


def test_the_switch_turns_the_page_to_french(transactional_db, phone, invitation):
    page = phone
    page.goto(link(invitation))
    page.get_by_role("navigation").get_by_role("link", name=re.compile("^FR")).click()
    expect(page.get_by_text("Comment nous avez-vous connus ?")).to_be_visible()
    pick(page, "nps", "10")
    expect(page.locator("#note-nps")).not_to_be_empty()
    page.get_by_role("button", name="Envoyer mes réponses").click()
    expect(page.get_by_text("Merci, à bientôt !")).to_be_visible()
    assert response_of(invitation).locale == "fr"


@pytest.fixture
def axe_page(chromium, live_server):
    skip_without_axe()
    # The page's CSP allows no inline script: axe is injected as one, so the test lifts it.
    context = new_phone(chromium, live_server, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_axe_finds_no_serious_violation_on_the_survey_page(transactional_db, axe_page, invitation):
    page = axe_page
    for url in (link(invitation), f"{link(invitation)}?lang=fr"):
        page.goto(url)
        assert axe_violations(page) == [], url
    pick(page, "nps", "2")  # a follow-up shows
    expect(page.locator("#note-nps")).not_to_be_empty()  # saved, in French
    assert axe_violations(page) == []
    page.get_by_role("button").filter(has_text=re.compile("Envoyer")).click()
    expect(page.locator("#thanks-title")).to_be_attached()
    assert axe_violations(page) == []


def test_axe_finds_no_serious_violation_on_the_kind_pages(
    transactional_db, axe_page, invitation, every_kind, camille
):
    page = axe_page
    expired = make_invitation(every_kind, camille, state="expired")
    withdrawn = make_invitation(every_kind, camille, state="suppressed")
    with organization_scope(invitation.organization):
        complete(response_for(invitation, channel="sms"))
    for url in (link(invitation), link(expired), link(withdrawn), "/s/no-such-link/"):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        assert axe_violations(page) == [], url


def test_axe_sees_a_real_violation(transactional_db, axe_page, invitation):
    """The control: the same check fails on a page with an unlabelled field."""
    page = axe_page
    page.goto(link(invitation))
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<input type="text" name="x">\')'
    )
    assert any(problem.startswith("label") for problem in axe_violations(page))
