"""English and French: every string marked for translation has a reviewed French version.

The completeness check re-runs the extraction of `make messages` on a copy of the source tree, so a
new `_("...")` or `{% translate %}` without a French version fails the suite, as does a fuzzy entry
left by a changed English text.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PO = ROOT / "locale" / "fr" / "LC_MESSAGES" / "django.po"
SOURCE_DIRS = ("vocapp", "journeys", "surveys", "alerts", "roi", "templates", "static", "locale")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")


def problems(po: polib.POFile) -> list[str]:
    found = []
    for entry in po:
        if entry.obsolete:
            continue
        if "fuzzy" in entry.flags:
            found.append(f"fuzzy: {entry.msgid!r}")
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        if not all(translations):
            found.append(f"untranslated: {entry.msgid!r}")
            continue
        expected = sorted(PLACEHOLDER.findall(entry.msgid))
        for text in translations:
            if sorted(PLACEHOLDER.findall(text)) != expected:
                found.append(f"placeholders differ: {entry.msgid!r} -> {text!r}")
    return found


def extract_into_copy(tmp_path: Path) -> polib.POFile:
    """Run `makemessages` as `make messages` does, on a copy: the checkout is left untouched."""
    for name in SOURCE_DIRS:
        if (ROOT / name).exists():
            shutil.copytree(
                ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__")
            )
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "fr", "--no-obsolete"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        env={
            "PATH": "/usr/bin:/bin",
            "DJANGO_SETTINGS_MODULE": "vocapp.settings.dev",
            "VOC_DATA_DIR": str(tmp_path / "var"),
        },
    )
    return polib.pofile(str(tmp_path / "locale" / "fr" / "LC_MESSAGES" / "django.po"))


def test_the_french_catalogue_is_complete_and_reviewed():
    assert problems(polib.pofile(str(PO))) == []


def test_every_string_of_the_code_and_templates_has_a_french_version(tmp_path):
    extracted = extract_into_copy(tmp_path)
    assert len(extracted) >= len(polib.pofile(str(PO))) > 100
    assert problems(extracted) == []


def test_a_new_untranslated_string_is_caught(tmp_path):
    """The check above cannot pass vacuously: a fresh string makes it fail."""
    extracted = extract_into_copy(tmp_path)
    extracted.append(polib.POEntry(msgid="A sentence nobody translated", msgstr=""))
    assert problems(extracted) == ["untranslated: 'A sentence nobody translated'"]


def test_the_compiled_catalogue_matches_the_sources():
    compiled = polib.mofile(str(PO.with_suffix(".mo")))
    translations = {(e.msgctxt, e.msgid): e.msgstr or e.msgstr_plural for e in compiled}
    for entry in polib.pofile(str(PO)):
        expected = entry.msgstr_plural if entry.msgid_plural else entry.msgstr
        assert translations.get((entry.msgctxt, entry.msgid)) == expected, (
            f"{entry.msgid!r}: run `make messages` to recompile django.mo"
        )


@pytest.mark.django_db
def test_a_page_speaks_the_visitors_language(client):
    assert (
        "Mot de passe oublié" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    )
    assert (
        "Forgot your password" in client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )


@pytest.mark.django_db
def test_the_language_switch_changes_the_language(client):
    client.post("/i18n/setlang/", {"language": "fr", "next": "/login/"})
    page = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Se connecter" in page
