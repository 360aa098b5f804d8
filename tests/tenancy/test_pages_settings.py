"""Settings pages: the organization (every field, the logo), teams, and the set-up checklist."""

import io
import os
import re
from datetime import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, PngImagePlugin

from tests.conftest import make_member
from tests.tenancy.conftest import organization_form_data
from vocapp.tenancy.models import ApiKey, AuditEvent, Organization, Team
from vocapp.tenancy.roles import Role
from vocapp.tenancy.scope import organization_scope
from vocapp.tenancy.services import create_api_key, revoke_api_key

pytestmark = pytest.mark.django_db

SETTINGS = "/o/alpha/settings/"
TEAMS = "/o/alpha/settings/teams/"
LOGO_URL = "/brand/alpha/logo.png"
SECRET = b"SECRET-PLACE-48.8584N"


@pytest.fixture
def admin_client(client, admin_a):
    client.force_login(admin_a)
    return client


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded logos land in a folder of this test only."""
    settings.MEDIA_ROOT = tmp_path / "media"


def fresh(organization) -> Organization:
    return Organization.objects.get(pk=organization.pk)


# --- The organization form ------------------------------------------------------------------

EVERY_FIELD_CHANGED = {
    "name": "Alpha Boutique",
    "time_zone": "America/Montreal",
    "country": "CA",
    "currency": "CAD",
    "default_locale": "fr",
    "business_days": ["1", "2", "3", "5"],
    "business_opens_at": "08:30",
    "business_closes_at": "17:15",
    "brand_colour": "#aa3300",
    "level_neutral_from": "55",
    "level_enchantment_from": "85",
    "minimum_n": "12",
    "retention_months": "24",
}


def test_it_saves_every_field_of_the_organization(admin_client, org_a):
    response = admin_client.post(SETTINGS, organization_form_data(org_a, **EVERY_FIELD_CHANGED))
    assert response.status_code == 302, response.content
    assert response["Location"] == SETTINGS
    saved = fresh(org_a)
    assert saved.name == "Alpha Boutique"
    assert saved.time_zone == "America/Montreal"
    assert saved.country.code == "CA"
    assert saved.currency == "CAD"
    assert saved.default_locale == "fr"
    assert saved.business_days == [1, 2, 3, 5]
    assert saved.business_opens_at == time(8, 30)
    assert saved.business_closes_at == time(17, 15)
    assert saved.brand_colour == "#aa3300"
    assert (saved.level_neutral_from, saved.level_enchantment_from) == (55, 85)
    assert saved.minimum_n == 12
    assert saved.retention_months == 24
    # The slug is not a field of the page: links keep working.
    assert saved.slug == "alpha"

    # The page shows the saved values back...
    page = admin_client.get(SETTINGS).content.decode()
    assert "Settings saved." in page
    assert 'value="Alpha Boutique"' in page
    assert 'value="America/Montreal"' in page
    assert re.search(r'<option value="CA" selected>', page)
    assert re.search(r'<option value="CAD" selected>', page)
    assert re.search(r'<option value="fr" selected>', page)
    checked = set(re.findall(r'name="business_days" value="(\d)"[^>]*checked', page))
    assert checked == {"1", "2", "3", "5"}
    assert 'value="08:30"' in page and 'value="17:15"' in page
    assert 'value="#aa3300"' in page
    for value in ("55", "85", "12", "24"):
        assert f'value="{value}"' in page
    # ...and posting them unchanged changes nothing.
    events = AuditEvent.objects.unscoped().count()
    assert admin_client.post(SETTINGS, organization_form_data(saved)).status_code == 302
    assert AuditEvent.objects.unscoped().count() == events


def test_it_allows_an_organization_without_business_days(admin_client, org_a):
    data = organization_form_data(org_a)
    del data["business_days"]
    assert admin_client.post(SETTINGS, data).status_code == 302
    assert fresh(org_a).business_days == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "is not a known time zone"),
        ({"country": "XX"}, "country", "Select a valid choice"),
        ({"currency": "BTC"}, "currency", "Select a valid choice"),
        ({"default_locale": "de"}, "default_locale", "Select a valid choice"),
        ({"business_days": ["7"]}, "business_days", "Select a valid choice"),
        ({"business_opens_at": "25:00"}, "business_opens_at", "Enter a valid time"),
        (
            {"business_opens_at": "18:00", "business_closes_at": "09:00"},
            "business_closes_at",
            "Closing must come after opening.",
        ),
        ({"brand_colour": "red"}, "brand_colour", "Enter a colour such as #1f6feb."),
        (
            {"level_neutral_from": "80", "level_enchantment_from": "80"},
            "level_enchantment_from",
            "Enchantment must start above the neutral level.",
        ),
        ({"level_enchantment_from": "101"}, "level_enchantment_from", "less than or equal to 100"),
        ({"minimum_n": "0"}, "minimum_n", "greater than or equal to 1"),
        ({"retention_months": "0"}, "retention_months", "greater than or equal to 1"),
        ({"retention_months": "121"}, "retention_months", "less than or equal to 120"),
        ({"name": ""}, "name", "This field is required."),
    ],
)
def test_it_refuses_a_bad_value_and_names_the_field(admin_client, org_a, changes, field, message):
    before = organization_form_data(fresh(org_a))
    response = admin_client.post(SETTINGS, organization_form_data(org_a, **changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert message in response.content.decode()
    assert organization_form_data(fresh(org_a)) == before
    assert not AuditEvent.objects.unscoped().filter(action="organization.updated").exists()


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_lets_only_admins_change_the_organization(client, org_a, role):
    client.force_login(make_member(org_a, f"{role}@alpha.test", role))
    response = client.post(SETTINGS, organization_form_data(org_a, name="Hijacked"))
    assert response.status_code == 403
    assert fresh(org_a).name == "Alpha Shop"


def test_it_answers_404_to_an_admin_of_another_organization(client, org_a, outsider):
    client.force_login(outsider)
    assert client.get(SETTINGS).status_code == 404
    response = client.post(SETTINGS, organization_form_data(org_a, name="Hijacked"))
    assert response.status_code == 404
    assert fresh(org_a).name == "Alpha Shop"


# --- The logo -------------------------------------------------------------------------------


def image_bytes(image_format, size=(800, 600), mode="RGB", **save_options) -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, (200, 30, 60) if mode == "RGB" else 0).save(
        buffer, format=image_format, **save_options
    )
    return buffer.getvalue()


def png_with_a_comment() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", SECRET.decode())
    return image_bytes("PNG", size=(1200, 800), pnginfo=info)


def jpeg_with_exif() -> bytes:
    exif = Image.Exif()
    exif[0x010E] = SECRET.decode()  # ImageDescription
    exif[0x013B] = "Photographer Name"  # Artist
    return image_bytes("JPEG", size=(600, 900), exif=exif.tobytes())


def upload(client, organization, name, content, content_type):
    data = organization_form_data(organization)
    data["logo"] = SimpleUploadedFile(name, content, content_type)
    return client.post(SETTINGS, data)


def stored_logo(organization) -> bytes:
    organization = fresh(organization)
    assert organization.logo, "no logo stored"
    with organization.logo.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize(
    ("name", "content_type", "build", "expected_size"),
    [
        ("logo.png", "image/png", png_with_a_comment, (512, 341)),
        ("logo.jpg", "image/jpeg", jpeg_with_exif, (341, 512)),
    ],
)
def test_it_accepts_a_png_or_jpeg_logo_and_reencodes_it(
    admin_client, org_a, name, content_type, build, expected_size
):
    original = build()
    assert SECRET in original
    response = upload(admin_client, org_a, name, original, content_type)
    assert response.status_code == 302, response.content

    stored = stored_logo(org_a)
    # A fresh PNG, at most 512 px a side, without what the original carried besides pixels.
    assert fresh(org_a).logo.name.endswith(".png")
    assert SECRET not in stored
    assert b"Photographer" not in stored
    image = Image.open(io.BytesIO(stored))
    image.verify()
    image = Image.open(io.BytesIO(stored))
    assert image.format == "PNG"
    assert image.size == expected_size
    assert "exif" not in image.info and "Comment" not in image.info
    assert image.getpixel((10, 10))[:3] == pytest.approx((200, 30, 60), abs=3)

    # Served at its public URL (survey pages and emails show it to signed-out customers).
    admin_client.logout()
    served = admin_client.get(LOGO_URL)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content) == stored


def test_it_shows_the_logo_on_the_settings_page_and_removes_it(admin_client, org_a):
    upload(admin_client, org_a, "logo.png", image_bytes("PNG", size=(64, 64)), "image/png")
    assert f'<img src="{LOGO_URL}"' in admin_client.get(SETTINGS).content.decode()
    data = organization_form_data(org_a)
    data["logo-clear"] = "on"
    assert admin_client.post(SETTINGS, data).status_code == 302
    assert not fresh(org_a).logo
    assert admin_client.get(LOGO_URL).status_code == 404
    assert "<img" not in admin_client.get(SETTINGS).content.decode()


def test_it_keeps_the_logo_when_other_fields_change(admin_client, org_a):
    upload(admin_client, org_a, "logo.png", image_bytes("PNG", size=(64, 64)), "image/png")
    before = fresh(org_a).logo.name
    admin_client.post(SETTINGS, organization_form_data(org_a, minimum_n="40"))
    assert fresh(org_a).logo.name == before
    assert fresh(org_a).minimum_n == 40


def noise_png(size) -> bytes:
    """Random pixels do not compress: a PNG about 3 bytes a pixel."""
    image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


NOT_PNG_NOR_JPEG = "The logo must be a PNG or JPEG image."


@pytest.mark.parametrize(
    ("name", "content_type", "content"),
    [
        ("logo.gif", "image/gif", image_bytes("GIF", size=(40, 40))),
        ("logo.webp", "image/webp", image_bytes("WEBP", size=(40, 40))),
        (
            "logo.svg",
            "image/svg+xml",
            b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b"<script>alert(document.cookie)</script></svg>",
        ),
        ("logo.png", "image/png", b"plain text pretending to be a PNG image\n" * 20),
        # A GIF under a PNG name and type: the content decides, not the name.
        ("logo.png", "image/png", image_bytes("GIF", size=(40, 40))),
        # A PNG cut in the middle of its pixels.
        ("logo.png", "image/png", noise_png((100, 100))[:15000]),
    ],
    ids=["gif", "webp", "svg", "text-as-png", "gif-as-png", "truncated-png"],
)
def test_it_refuses_a_logo_that_is_not_png_or_jpeg(
    admin_client, org_a, name, content_type, content
):
    response = upload(admin_client, org_a, name, content, content_type)
    assert response.status_code == 400
    assert response.context["form"].errors["logo"] == [NOT_PNG_NOR_JPEG]
    assert NOT_PNG_NOR_JPEG in response.content.decode()
    assert not fresh(org_a).logo


def test_it_refuses_a_logo_over_one_megabyte(admin_client, org_a):
    content = noise_png((620, 620))
    assert len(content) > 1024 * 1024
    response = upload(admin_client, org_a, "logo.png", content, "image/png")
    assert response.status_code == 400
    assert response.context["form"].errors["logo"] == ["The logo must be 1 MB at most."]
    assert not fresh(org_a).logo
    # Just under the limit is fine.
    content = noise_png((580, 580))
    assert len(content) < 1024 * 1024
    assert upload(admin_client, org_a, "logo.png", content, "image/png").status_code == 302


def test_it_refuses_a_small_file_of_huge_dimensions(admin_client, org_a):
    """A few kilobytes can decode to hundreds of megabytes: refused before decoding."""
    content = image_bytes("PNG", size=(6000, 6000), mode="1")
    assert len(content) < 100 * 1024
    response = upload(admin_client, org_a, "logo.png", content, "image/png")
    assert response.status_code == 400
    assert "at most 4096 × 4096 pixels" in response.context["form"].errors["logo"][0]
    assert not fresh(org_a).logo


def test_it_answers_404_for_a_logo_that_does_not_exist(client, org_a):
    assert client.get(LOGO_URL).status_code == 404
    assert client.get("/brand/nowhere/logo.png").status_code == 404


# --- Teams ----------------------------------------------------------------------------------


def team_data(name, lead=None, members=()):
    data = {"name": name, "members": [user.pk for user in members]}
    if lead is not None:
        data["lead"] = lead.pk
    return data


def team_named(organization, name) -> Team:
    with organization_scope(organization):
        return Team.objects.prefetch_related("members").get(name=name)


def test_it_creates_a_team_with_a_lead_and_members(admin_client, org_a, manager_a, agent_a):
    response = admin_client.post(TEAMS, team_data("After-sales", manager_a, [agent_a]))
    assert response.status_code == 302, response.content
    team = team_named(org_a, "After-sales")
    assert team.lead == manager_a
    # The lead is a member of the team it leads.
    assert set(team.members.all()) == {manager_a, agent_a}
    page = admin_client.get(TEAMS).content.decode()
    assert "Team created." in page
    assert "After-sales" in page and "Lead: manager" in page


def test_it_offers_only_members_of_the_organization(admin_client, org_a, agent_a, outsider):
    form = admin_client.get(TEAMS).context["form"]
    for field in ("lead", "members"):
        offered = set(form.fields[field].queryset)
        assert agent_a in offered
        assert outsider not in offered


@pytest.mark.parametrize("field", ["lead", "members"])
def test_it_refuses_a_user_of_another_organization_like_a_missing_one(
    admin_client, org_a, agent_a, outsider, field
):
    def refusal(user_id):
        data = {"name": f"Team {user_id}"}
        data[field] = [user_id] if field == "members" else user_id
        response = admin_client.post(TEAMS, data)
        assert response.status_code == 400
        return [
            error.replace(str(user_id), "<id>") for error in response.context["form"].errors[field]
        ]

    foreign, missing = refusal(outsider.pk), refusal(999999)
    assert foreign and foreign == missing
    assert "Select a valid choice" in foreign[0]
    with organization_scope(org_a):
        assert not Team.objects.exists()


def test_it_refuses_a_second_team_of_the_same_name(admin_client, org_a, org_b):
    admin_client.post(TEAMS, team_data("After-sales"))
    response = admin_client.post(TEAMS, team_data("after-SALES "))
    assert response.status_code == 400
    assert "A team with this name already exists." in response.content.decode()
    # Another organization's team of that name is no clash.
    with organization_scope(org_b):
        Team.objects.create(name="Support")
    assert admin_client.post(TEAMS, team_data("Support")).status_code == 302


def test_it_edits_and_deletes_a_team(admin_client, org_a, admin_a, manager_a, agent_a):
    admin_client.post(TEAMS, team_data("After-sales", manager_a, [agent_a]))
    team = team_named(org_a, "After-sales")
    edit_url = reverse("tenancy:team_edit", kwargs={"org_slug": "alpha", "pk": team.pk})
    assert admin_client.get(edit_url).status_code == 200
    response = admin_client.post(edit_url, team_data("Customer care", admin_a, [agent_a]))
    assert response.status_code == 302, response.content
    team = team_named(org_a, "Customer care")
    assert team.lead == admin_a
    assert set(team.members.all()) == {admin_a, agent_a}

    # Renaming to its own name (other case) is not a clash with itself.
    assert admin_client.post(edit_url, team_data("CUSTOMER CARE", admin_a)).status_code == 302

    delete_url = reverse("tenancy:team_delete", kwargs={"org_slug": "alpha", "pk": team.pk})
    response = admin_client.post(delete_url)
    assert response.status_code == 302
    assert "Team deleted." in admin_client.get(response["Location"]).content.decode()
    with organization_scope(org_a):
        assert not Team.objects.exists()


def test_it_refuses_to_edit_a_team_with_a_foreign_member(admin_client, org_a, agent_a, outsider):
    admin_client.post(TEAMS, team_data("After-sales", None, [agent_a]))
    team = team_named(org_a, "After-sales")
    edit_url = reverse("tenancy:team_edit", kwargs={"org_slug": "alpha", "pk": team.pk})
    response = admin_client.post(edit_url, team_data("After-sales", outsider, [agent_a]))
    assert response.status_code == 400
    assert "lead" in response.context["form"].errors
    assert team_named(org_a, "After-sales").lead is None


@pytest.mark.parametrize("role", [Role.CX_MANAGER, Role.AGENT])
def test_it_lets_only_admins_change_teams(client, org_a, agent_a, role):
    client.force_login(make_member(org_a, f"other-{role}@alpha.test", role))
    assert client.post(TEAMS, team_data("Mine", None, [agent_a])).status_code == 403
    with organization_scope(org_a):
        assert not Team.objects.exists()


# --- The set-up checklist -------------------------------------------------------------------


def checklist(client) -> dict:
    response = client.get("/o/alpha/")
    assert response.status_code == 200
    page = response.content.decode()
    counts = {}
    for step in response.context["steps"]:
        counts[step["key"]] = step["count"]
        # Each count is on the page, beside its step's link.
        assert re.search(
            rf'href="{re.escape(step["url"])}">[^<]*</a>\s*<span class="count">{step["count"]}<',
            page,
        ), step
    return counts


def test_it_counts_what_is_set_up_in_the_checklist(
    admin_client, org_a, org_b, admin_a, agent_a, outsider
):
    from vocapp.contacts.models import Contact

    start = checklist(admin_client)
    assert start == {
        "journeys": 0,
        "listening": 0,
        "contacts": 0,
        "members": 1,
        "teams": 0,
        "api_keys": 0,
    }
    assert "1 step of 6 done." in admin_client.get("/o/alpha/").content.decode()

    with organization_scope(org_a):
        Contact.objects.create(external_id="c1")
        Contact.objects.create(external_id="c2")
        Team.objects.create(name="After-sales")
    make_member(org_a, "new@alpha.test", Role.AGENT)
    key, _ = create_api_key(admin_a, org_a, name="shop", scopes=["ingest"])
    old_key, _ = create_api_key(admin_a, org_a, name="old", scopes=["ingest"])
    revoke_api_key(admin_a, old_key)
    # Another organization's data counts for nothing here.
    with organization_scope(org_b):
        Contact.objects.create(external_id="b1")
        Team.objects.create(name="Beta team")
    create_api_key(outsider, org_b, name="beta", scopes=["ingest"])

    assert checklist(admin_client) == {
        "journeys": 0,
        "listening": 0,
        "contacts": 2,
        "members": 2,
        "teams": 1,
        "api_keys": 1,
    }
    assert "4 steps of 6 done." in admin_client.get("/o/alpha/").content.decode()
    assert ApiKey.objects.unscoped().filter(organization=org_a).count() == 2


def test_it_shows_an_agent_only_the_steps_of_their_role(client, org_a, agent_a):
    client.force_login(agent_a)
    response = client.get("/o/alpha/")
    assert response.context["steps"] == []
    assert b"Nothing to set up for your role." in response.content
