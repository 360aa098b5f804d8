"""Interactions from a CSV file through the import pages: the same ingestion as the API, so the
rows are planned by the listening rules, bad rows come back with their reasons, and importing the
same file again replays it without scheduling anything."""

import csv
import io
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from surveys.models import Interaction, Invitation, ListeningRule, SenderNumber
from tests.contacts.conftest import page_url
from vocapp.contacts import imports
from vocapp.contacts.models import Contact, ImportJob
from vocapp.tenancy.scope import organization_scope

from .conftest import in_scope

# A Tuesday at 10:00 in Paris: inside the default SMS window.
TUESDAY_10_PARIS = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
HEADER = (
    "external_id;touchpoint;occurred_at;contact_external_id;email;phone;first_name;sms_consent;"
    "attributes.store;attributes.agent\n"
)
GOOD_ROWS = (
    "dlv-1;parcel-received;2026-03-10 09:40;c-1;lea@example.test;+33612345678;Léa;oui;Lyon;\n"
    "dlv-2;parcel-received;2026-03-10T09:45:00+01:00;c-2;;06 12 34 56 79;Hugo;yes;Paris;Ana\n"
    "dlv-3;parcel-received;2026-03-10 09:50;c-3;ines@example.test;;Inès;;Lille;\n"  # email only
)
BAD_ROWS = (
    "bad-1;parcel-received;tomorrow;c-4;;;;;;\n"
    "bad-2;no-such-touchpoint;2026-03-10 09:50;c-5;;;;;;\n"
    "bad-3;parcel-received;2026-03-10 09:50;c-6;;12;;;;\n"
)
FILE = HEADER + GOOD_ROWS + BAD_ROWS


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(TUESDAY_10_PARIS, tick=False):
        yield


@pytest.fixture
def hot_rule(org_a, parcel_received, nps_survey):
    return in_scope(
        org_a,
        lambda: ListeningRule.objects.create(
            touchpoint=parcel_received, survey=nps_survey, channels=["sms", "email"]
        ),
    )


def upload(client, organization, content):
    response = client.post(
        page_url(organization, "imports/"),
        {"kind": "interactions", "file": SimpleUploadedFile("events.csv", content.encode())},
    )
    assert response.status_code == 302, response.content.decode()[-2000:]
    with organization_scope(organization):
        return ImportJob.objects.order_by("-pk").first()


def import_file(client, organization, content, capture):
    """Upload, keep the guessed mapping, start: the task runs inline once the mapping commits."""
    job = upload(client, organization, content)
    mapping = {f"map-{i}": job.column_mapping.get(name, "") for i, name in enumerate(job.header)}
    with capture(execute=True):
        response = client.post(page_url(organization, f"imports/{job.pk}/"), mapping)
    assert response.status_code == 302, response.content.decode()[-2000:]
    job.refresh_from_db()
    return job


def stored(organization):
    with organization_scope(organization):
        invitations = list(Invitation.objects.select_related("interaction").order_by("pk"))
        return Interaction.objects.count(), invitations


def test_every_column_of_the_file_is_mapped_including_its_attributes(
    client_as, manager_a, org_a, hot_rule
):
    client = client_as(manager_a)
    job = upload(client, org_a, FILE)
    assert set(job.column_mapping.values()) == set(HEADER.strip().split(";"))
    page = client.get(page_url(org_a, f"imports/{job.pk}/")).content.decode()
    assert '<option value="attributes.agent" selected>' in page
    assert '<option value="contact_external_id" selected>contact_external_id *' in page


def test_rows_are_planned_sent_and_bad_rows_are_rejected_with_their_reasons(
    client_as, manager_a, org_a, hot_rule, django_capture_on_commit_callbacks, sms_outbox
):
    SenderNumber.objects.create(number="+15005550006")
    client = client_as(manager_a)
    job = import_file(client, org_a, FILE, django_capture_on_commit_callbacks)
    assert (job.status, job.created_count, job.updated_count, job.rejected_count) == (
        "done",
        3,
        0,
        3,
    )
    count, invitations = stored(org_a)
    assert count == 3
    assert [(i.interaction.external_id, i.state, i.channel) for i in invitations] == [
        # Due at once: the import's commit nudged the dispatcher, which sent them.
        ("dlv-1", "sent", "sms"),
        ("dlv-2", "sent", "sms"),
        ("dlv-3", "sent", "email"),
    ]
    assert sorted(sms.to for sms in sms_outbox) == ["+33612345678", "+33612345679"]
    assert invitations[0].interaction.attributes == {"store": "Lyon"}
    assert invitations[1].interaction.attributes == {"store": "Paris", "agent": "Ana"}
    with organization_scope(org_a):
        hugo = Contact.objects.get(external_id="c-2")
    assert (hugo.phone, hugo.first_name, hugo.sms_consent_at is not None) == (
        "+33612345679",
        "Hugo",
        True,
    )

    answer = client.get(page_url(org_a, f"imports/{job.pk}/rejections.csv"))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    reasons = {row[1]: row[-1] for row in rows[1:]}
    assert reasons == {
        "bad-1": "occurred_at: 'tomorrow' is not an ISO 8601 date and time.",
        "bad-2": "touchpoint: No touchpoint 'no-such-touchpoint'.",
        "bad-3": "phone: '12' is not a valid phone number.",
    }


def test_rejections_are_written_in_the_language_of_whoever_started_the_import(
    client_as, manager_a, org_a, hot_rule, django_capture_on_commit_callbacks, settings
):
    client = client_as(manager_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    job = upload(client, org_a, HEADER + BAD_ROWS)
    assert job.language == "fr"
    mapping = {f"map-{i}": job.column_mapping.get(name, "") for i, name in enumerate(job.header)}
    with django_capture_on_commit_callbacks(execute=False):  # the worker runs it, below
        client.post(page_url(org_a, f"imports/{job.pk}/"), mapping)
    with translation.override("en"), organization_scope(org_a):  # a worker's own language
        assert imports.run_import_job(job.pk).rejected_count == 3

    answer = client.get(page_url(org_a, f"imports/{job.pk}/rejections.csv"))
    rows = list(csv.reader(io.StringIO(b"".join(answer.streaming_content).decode())))
    assert {row[1]: row[-1] for row in rows[1:]} == {
        "bad-1": "occurred_at: « tomorrow » n’est pas une date et une heure ISO 8601.",
        "bad-2": "touchpoint: Aucun point de contact « no-such-touchpoint ».",
        "bad-3": "phone: « 12 » n’est pas un numéro de téléphone valide.",
    }


def test_importing_the_same_file_again_replays_it_and_schedules_nothing(
    client_as, manager_a, org_a, hot_rule, django_capture_on_commit_callbacks
):
    client = client_as(manager_a)
    import_file(client, org_a, FILE, django_capture_on_commit_callbacks)
    before = stored(org_a)
    again = import_file(client, org_a, FILE, django_capture_on_commit_callbacks)
    assert (again.created_count, again.updated_count, again.rejected_count) == (0, 0, 3)
    assert stored(org_a) == before

    changed = HEADER + GOOD_ROWS.replace("2026-03-10 09:40", "2026-03-10 09:41")
    conflict = import_file(client, org_a, changed, django_capture_on_commit_callbacks)
    assert (conflict.created_count, conflict.rejected_count) == (0, 1)
    with organization_scope(org_a):
        [rejection] = conflict.rejections.all()
    assert rejection.values["external_id"] == "dlv-1"
    assert list(rejection.errors) == ["occurred_at"]
    assert stored(org_a) == before
