"""English and French: every string marked for translation has a reviewed French version.

The completeness checks run the very `makemessages` command of `make messages` (read from the
Makefile) on a copy of the source tree, so a new `_("...")` or `{% translate %}` that nobody added
to locale/fr fails the suite instead of reaching a French user in English. The checkout itself is
never written to.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
# Not copied: the catalogue (the copy is extracted into an empty one) and what is not source.
NOT_SOURCES = {".git", ".venv", "var", "node_modules", "locale"}
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%[sdif]|\{\w*\}")
HTML_TAG = re.compile(r"</?(?:a|abbr|b|br|code|em|i|kbd|p|small|span|strong)\b[^>]*>")


def catalogue_problems(po: polib.POFile) -> list[str]:
    """What a French reader would suffer from: no translation, a guess, a broken placeholder."""
    found = []
    if po.metadata_is_fuzzy:
        found.append("the header is fuzzy: msgfmt would drop it and French plurals with it")
    for entry in po:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            found.append(f"fuzzy: {entry.msgid!r}")
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        if entry.msgid_plural and len(translations) != 2:
            found.append(f"needs two plural forms: {entry.msgid!r}")
        if not all(translations):
            found.append(f"untranslated: {entry.msgid!r}")
            continue
        for pattern, what in ((PLACEHOLDER, "placeholders"), (HTML_TAG, "HTML tags")):
            expected = sorted(pattern.findall(entry.msgid_plural or entry.msgid))
            for text in translations:
                if sorted(pattern.findall(text)) != expected:
                    found.append(f"{what} differ: {entry.msgid!r} -> {text!r}")
    return found


def makemessages_command() -> list[str]:
    """The `makemessages` line of the Makefile's `messages` target, ready to run here."""
    recipe = re.search(r"^messages:.*\n((?:\t.*\n)+)", (ROOT / "Makefile").read_text(), re.M)
    assert recipe, "the Makefile has no `messages` target"
    lines = recipe.group(1).replace("\\\n", " ").splitlines()
    [command] = [line for line in lines if " makemessages " in line]
    words = shlex.split(command.replace("$(BIN)/python", shlex.quote(sys.executable)))
    assert "--domain" not in words or words[words.index("--domain") + 1] == "django"
    return words


def extract(tree: Path) -> dict[tuple, polib.POEntry]:
    """Extract the messages of `tree` into an empty catalogue, as `make messages` would."""
    subprocess.run(
        makemessages_command(),
        cwd=tree,
        check=True,
        capture_output=True,
        timeout=60,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "vocapp.settings.dev",
            "VOC_DATA_DIR": str(tree / "var"),
        },
    )
    return entries_by_key(polib.pofile(str(tree / "locale" / "fr" / "LC_MESSAGES" / "django.po")))


def entries_by_key(po: polib.POFile) -> dict[tuple, polib.POEntry]:
    return {(e.msgctxt, e.msgid, e.msgid_plural): e for e in po if not e.obsolete}


@pytest.fixture
def source_copy(tmp_path) -> Path:
    """The project tree without its catalogue, virtualenv and data; the Makefile's --ignore does
    the rest (tests, benchmarks)."""
    shutil.copytree(
        ROOT,
        tmp_path / "tree",
        ignore=lambda folder, names: [
            name
            for name in names
            if name in {"__pycache__", ".pytest_cache", ".ruff_cache"}
            or (Path(folder) == ROOT and name in NOT_SOURCES)
        ],
    )
    return tmp_path / "tree"


def missing_from_catalogue(extracted: dict, catalogue: dict) -> list[str]:
    return sorted(
        f"{entry.occurrences[0][0]}: {entry.msgid!r}"
        for key, entry in extracted.items()
        if key not in catalogue
    )


def test_the_french_catalogue_is_complete_and_reviewed():
    po = polib.pofile(str(PO))
    assert po.metadata["Language"] == "fr"
    assert po.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    assert len(po) > 100
    assert catalogue_problems(po) == []


def test_every_string_marked_in_the_code_and_templates_is_in_the_catalogue(source_copy):
    extracted = extract(source_copy)
    catalogue = entries_by_key(polib.pofile(str(PO)))
    assert missing_from_catalogue(extracted, catalogue) == [], "run `make messages`, then translate"
    no_longer_used = sorted(key[1] for key in catalogue.keys() - extracted.keys())
    assert no_longer_used == [], "run `make messages` to drop strings the code no longer uses"


def test_a_string_marked_without_a_french_version_is_caught(source_copy):
    """The check above cannot pass vacuously: new strings in Python and in a template fail it."""
    module = source_copy / "vocapp" / "contacts" / "forms.py"
    module.write_text(module.read_text() + '\nPROBE = _("A sentence nobody translated")\n')
    template = source_copy / "templates" / "includes" / "probe.html"
    template.write_text(
        "{% load i18n %}{% blocktranslate count n=3 %}{{ n }} probe{% plural %}"
        "{{ n }} probes{% endblocktranslate %}"
    )
    missing = missing_from_catalogue(extract(source_copy), entries_by_key(polib.pofile(str(PO))))
    assert missing == [
        "templates/includes/probe.html: '%(n)s probe'",
        "vocapp/contacts/forms.py: 'A sentence nobody translated'",
    ]


def test_a_fuzzy_or_broken_translation_is_caught():
    po = polib.pofile(str(PO))
    [welcome] = [e for e in po if e.msgid == "Welcome to %(name)s."]
    welcome.msgstr = "Bienvenue dans %(nom)s."
    [erased] = [e for e in po if e.msgid == "Erase this contact (GDPR)"]
    erased.flags.append("fuzzy")
    assert catalogue_problems(po) == [
        "fuzzy: 'Erase this contact (GDPR)'",
        "placeholders differ: 'Welcome to %(name)s.' -> 'Bienvenue dans %(nom)s.'",
    ]


def test_the_compiled_catalogue_matches_its_source():
    compiled = polib.mofile(str(MO))
    assert compiled.metadata["Plural-Forms"] == "nplurals=2; plural=(n > 1);"
    translations = {(e.msgctxt, e.msgid): e.msgstr_plural or e.msgstr for e in compiled}
    stale = [
        entry.msgid
        for entry in polib.pofile(str(PO))
        if translations.get((entry.msgctxt, entry.msgid))
        != (entry.msgstr_plural if entry.msgid_plural else entry.msgstr)
    ]
    assert stale == [], "run `make messages` to recompile django.mo"


def test_french_plurals_treat_zero_as_singular():
    singular, plural = "%(total)s contact", "%(total)s contacts"
    with translation.override("fr"):
        assert translation.ngettext(singular, plural, 0) % {"total": 0} == "0 contact"
        assert translation.ngettext(singular, plural, 2) % {"total": 2} == "2 contacts"
        assert translation.gettext("Erase this contact (GDPR)") == "Effacer ce contact (RGPD)"


class LanguageForm(HTMLParser):
    """The fields of the base layout's language switch, as a browser would submit them."""

    def __init__(self, page: str):
        super().__init__()
        self.action, self.fields, self.languages, self._inside = None, {}, [], False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("action") == reverse("set_language"):
            self.action, self._inside = attrs["action"], True
        elif self._inside and tag == "input":
            self.fields[attrs["name"]] = attrs.get("value", "")
        elif self._inside and tag == "option":
            self.languages.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._inside = False


def page_language(response) -> str:
    assert response.status_code == 200
    return re.search(r'<html lang="(\w+)"', response.content.decode()).group(1)


@pytest.mark.django_db
def test_a_page_speaks_the_language_the_browser_asks_for(client):
    french = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9,en;q=0.5")
    assert page_language(french) == "fr"
    assert "<title>Se connecter</title>" in french.content.decode()
    assert "Mot de passe oublié ?" in french.content.decode()

    for accept in ("en-GB,en;q=0.9", "de-DE", ""):
        english = client.get("/login/", HTTP_ACCEPT_LANGUAGE=accept)
        assert page_language(english) == "en"
        assert "Forgot your password?" in english.content.decode()


@pytest.mark.django_db
def test_the_language_cookie_wins_over_the_browser(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en")
    assert page_language(page) == "fr"
    assert "Mot de passe oublié ?" in page.content.decode()


@pytest.mark.django_db
def test_the_language_switch_of_the_layout_changes_the_language():
    browser = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get("/login/?next=/")
    form = LanguageForm(page.content.decode())
    assert form.action == "/i18n/setlang/"
    assert sorted(form.languages) == ["en", "fr"]
    assert form.fields["next"] == "/login/?next=/"

    switched = browser.post(form.action, {**form.fields, "language": "fr"})
    assert switched.status_code == 302
    assert switched["Location"] == "/login/?next=/"
    french = browser.get(switched["Location"])
    assert page_language(french) == "fr"
    assert "Mot de passe oublié ?" in french.content.decode()

    form = LanguageForm(french.content.decode())
    back = browser.post(form.action, {**form.fields, "language": "en"})
    assert page_language(browser.get(back["Location"])) == "en"


@pytest.mark.django_db
def test_the_signed_in_pages_speak_french_too(client, admin_a, org_a):
    """Navigation and setup steps come from app registries: they must be translated lazily."""
    client.force_login(admin_a)
    page = client.get(
        reverse("tenancy:home", kwargs={"org_slug": org_a.slug}), HTTP_ACCEPT_LANGUAGE="fr"
    )
    assert page_language(page) == "fr"
    text = page.content.decode()
    for french in (
        "Mise en route",
        "Paramètres",
        "Inviter votre équipe (membres)",
        "Se déconnecter",
    ):
        assert french in text
