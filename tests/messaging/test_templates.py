import re

import pytest
from django.utils import translation

from vocapp.messaging.gsm7 import is_gsm7, segments, septets, to_gsm7
from vocapp.messaging.templates import MessageTooLong, render_email, render_sms, render_text

# The real shape of a survey link: base URL, /s/, 32 hex characters.
LINK = "https://surveys.example-company.com/s/" + "0123456789abcdef" * 2 + "/"
LONGEST = {
    "organization": "Compagnie Générale des Eaux SA",  # 30 characters
    "first_name": "Marie-Amélie-Françoise-Bénédicte",
    "touchpoint": "Livraison du colis à domicile après réparation",
    "link": LINK,
}
TYPICAL = {
    "organization": "Alpha Shop",
    "first_name": "Marie",
    "touchpoint": "Parcel received",
    "link": LINK,
}
SMS_TEMPLATES = ["invitation", "invitation-oneway", "reminder", "reminder-oneway"]


def render_short(name, context, locale):
    with translation.override(locale):
        return " ".join(to_gsm7(render_text(f"sms/{name}-short.txt", context)).split())


def test_the_longest_variables_are_the_ones_the_rules_name():
    assert len(LONGEST["organization"]) == 30
    assert len(LINK) == 71


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", [*SMS_TEMPLATES, "test"])
@pytest.mark.parametrize("first_name", [LONGEST["first_name"], ""])
def test_it_renders_every_default_sms_in_one_gsm7_segment(name, locale, first_name):
    body = render_sms(name, {**LONGEST, "first_name": first_name}, locale=locale)

    assert is_gsm7(body)
    assert septets(body) <= 160
    assert segments(body) == 1
    assert LONGEST["organization"] in body  # é is in GSM-7
    if name != "test":
        assert LINK in body


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", SMS_TEMPLATES)
def test_it_uses_the_long_variant_when_it_fits(name, locale):
    body = render_sms(name, TYPICAL, locale=locale)

    assert "Marie" in body
    assert body != render_short(name, TYPICAL, locale)


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", SMS_TEMPLATES)
def test_it_uses_the_short_variant_when_the_long_one_does_not_fit(name, locale):
    body = render_sms(name, LONGEST, locale=locale)

    assert body == render_short(name, LONGEST, locale)
    assert LONGEST["first_name"] not in body


def test_it_raises_when_not_even_the_short_variant_fits():
    context = {**LONGEST, "organization": "O" * 100}

    with pytest.raises(MessageTooLong) as raised:
        render_sms("invitation", context, locale="en")
    assert raised.value.name == "invitation"
    assert raised.value.length > 160


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("context", [TYPICAL, LONGEST])
@pytest.mark.parametrize("name", ["invitation-oneway", "reminder-oneway"])
def test_one_way_messages_do_not_ask_to_reply(name, context, locale):
    body = render_sms(name, context, locale=locale).lower()

    assert "reply" not in body
    assert "repond" not in body and "répond" not in body
    assert "stop" not in body
    assert "sms" not in body


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", ["invitation", "reminder"])
def test_two_way_messages_say_how_to_stop(name, locale):
    for context in (TYPICAL, LONGEST):
        assert "STOP" in render_sms(name, context, locale=locale)


def test_it_transliterates_the_variables_and_does_not_escape_them():
    context = {**TYPICAL, "organization": "Crème & Sûr", "first_name": "Françoise"}

    body = render_sms("invitation", context, locale="en")

    assert "Crème & Sur" in body
    assert "Francoise" in body
    assert "&amp;" not in body


def test_it_collapses_whitespace_into_one_line():
    body = render_sms("invitation", TYPICAL, locale="en")

    assert "\n" not in body
    assert "  " not in body
    assert body == body.strip()


def test_the_french_sms_is_in_french():
    # Fails until the French of /work/tr7/A.py is in locale/fr and compiled.
    english = render_sms("invitation", TYPICAL, locale="en")
    french = render_sms("invitation", TYPICAL, locale="fr")

    assert french != english
    assert "Bonjour Marie" in french


def email_context(**overrides):
    return {**TYPICAL, "unsubscribe_link": "https://voc.example.com/u/abc/", **overrides}


@pytest.mark.parametrize("name", ["invitation", "reminder"])
def test_emails_are_plain_text_by_default(name):
    email = render_email(name, email_context(), locale="en")

    assert email.html is None
    assert "Hello Marie," in email.text
    assert LINK in email.text
    assert "Parcel received" in email.text
    assert "https://voc.example.com/u/abc/" in email.text
    assert "Alpha Shop" in email.subject
    assert "\n" not in email.subject


def test_plain_text_emails_are_not_html_escaped():
    email = render_email("invitation", email_context(organization="Bed & Bath"), locale="en")

    assert "Bed & Bath" in email.text
    assert "Bed & Bath" in email.subject


def test_emails_greet_without_a_first_name():
    email = render_email("invitation", email_context(first_name=""), locale="en")

    assert email.text.startswith("Hello,\n")


def test_emails_leave_out_the_unsubscribe_line_without_a_link():
    email = render_email("invitation", email_context(unsubscribe_link=""), locale="en")

    assert "To stop receiving" not in email.text


@pytest.mark.parametrize("locale", ["en", "fr"])
@pytest.mark.parametrize("name", ["invitation", "reminder"])
def test_html_emails_link_each_score_of_the_scale(name, locale):
    email = render_email(name, email_context(), locale=locale, html=True)

    scores = re.findall(r'href="([^"]+)\?score=(\d+)"', email.html)
    assert [int(score) for _, score in scores] == list(range(11))
    assert {url for url, _ in scores} == {LINK}
    assert 'href="https://voc.example.com/u/abc/"' in email.html
    assert email.text  # the plain-text part always goes along


def test_html_emails_escape_the_variables():
    email = render_email(
        "invitation", email_context(organization="Bed & <b>Bath</b>"), locale="en", html=True
    )

    assert "Bed &amp; &lt;b&gt;Bath&lt;/b&gt;" in email.html
    assert "<b>Bath" not in email.html


def test_the_french_email_is_in_french():
    # Fails until the French of /work/tr7/A.py is in locale/fr and compiled.
    email = render_email("invitation", email_context(), locale="fr", html=True)

    assert email.text.startswith("Bonjour Marie,")
    assert 'lang="fr"' in email.html
