"""CSV imports through the pages: upload, column mapping, the job's progress and counters, and the
rejected rows with their reasons. Tasks run inline here; tests/contacts/test_import_crash.py runs
the same import on a real worker and kills it mid-way."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.contacts.conftest import page_url
from vocapp.contacts.models import Contact, ImportJob, ImportStatus
from vocapp.contacts.upsert import upsert_contacts
from vocapp.tenancy.models import AuditEvent
from vocapp.tenancy.scope import organization_scope

pytestmark = pytest.mark.django_db

CRM_EXPORT = (
    "Customer ID;E-mail;Mobile;Prénom;Loyalty;Notes\n"
    "A-1;alice@shop.test;06 12 34 56 78;Alice;gold;likes tea\n"
    "A-2;bruno@shop;;Bruno;silver;\n"  # bad email
    "A-3;chloe@shop.test;12;Chloé;;\n"  # bad phone
    ";nobody@shop.test;;Nobody;;\n"  # no id
    "A-5;elodie@shop.test;+33698765432;Élodie;gold;\n"
    "A-1;alice@shop.test;;Alice B.;;\n"  # the same id twice in a file: refused
)
MAPPING = {
    "map-0": "external_id",
    "map-1": "email",
    "map-2": "phone",
    "map-3": "first_name",
    "map-4": "attributes.tier",
    "map-5": "",
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(client, organization, content, name="crm.csv"):
    data = content.encode() if isinstance(content, str) else content
    return client.post(
        page_url(organization, "imports/"),
        {"kind": "contacts", "file": SimpleUploadedFile(name, data, content_type="text/csv")},
    )


def the_job(organization):
    with organization_scope(organization):
        return ImportJob.objects.get()


@pytest.fixture
def uploaded(client_as, manager_a, declared):
    client = client_as(manager_a)
    response = upload(client, declared, CRM_EXPORT)
    assert response.status_code == 302, response.content.decode()[:2000]
    job = the_job(declared)
    assert response["Location"] == page_url(declared, f"imports/{job.pk}/")
    return client, job


def test_it_reads_the_header_and_guesses_the_mapping_on_upload(client_as, manager_a, declared):
    client = client_as(manager_a)
    upload(client, declared, "External ID,EMAIL,phone,Tier,Shoe size\nA-1,a@b.test,,gold,42\n")
    job = the_job(declared)
    assert job.status == ImportStatus.MAPPING
    assert job.header == ["External ID", "EMAIL", "phone", "Tier", "Shoe size"]
    assert job.column_mapping == {
        "External ID": "external_id",
        "EMAIL": "email",
        "phone": "phone",
        "Tier": "attributes.tier",
    }
    page = client.get(page_url(declared, f"imports/{job.pk}/")).content.decode()
    assert '<option value="attributes.tier" selected>' in page
    assert '<label for="map-4">Shoe size</label>' in page
    with organization_scope(declared):
        assert AuditEvent.objects.filter(action="import.uploaded").count() == 1


def test_it_imports_with_the_chosen_mapping_and_counts_every_row(
    uploaded, declared, django_capture_on_commit_callbacks, settings
):
    client, job = uploaded
    progress_url = page_url(declared, f"imports/{job.pk}/progress/")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(page_url(declared, f"imports/{job.pk}/"), MAPPING)
    assert response.status_code == 302
    assert len(callbacks) == 1  # the task is sent once the mapping is committed
    queued = client.get(progress_url).content.decode()
    assert "Queued" in queued
    assert 'hx-trigger="every 1s"' in queued
    callbacks[0]()  # the task runs inline (eager) as a worker would run it

    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.total_rows, job.rows_committed) == (6, 6)
    assert (job.created_count, job.updated_count, job.rejected_count) == (2, 0, 4)
    with organization_scope(declared):
        alice = Contact.objects.get(external_id="A-1")
        elodie = Contact.objects.get(external_id="A-5")
        assert Contact.objects.count() == 2
    assert (alice.first_name, alice.email, alice.phone) == (
        "Alice",
        "alice@shop.test",
        "+33612345678",
    )
    assert alice.attributes == {"tier": "gold"}
    assert (elodie.first_name, elodie.attributes) == ("Élodie", {"tier": "gold"})

    done = client.get(progress_url).content.decode()
    assert "Done" in done
    assert "hx-get" not in done  # polling stops
    assert "6 of 6 rows processed" in done
    assert "Created: 2" in done and "Updated: 0" in done and "Rejected: 4" in done
    assert f"imports/{job.pk}/rejections.csv" in done
    # The uploaded file, full of personal data, is gone once the import is done.
    assert not job.file
    assert not [path for path in settings.MEDIA_ROOT.rglob("*") if path.is_file()]


def test_it_gives_the_rejected_rows_with_their_reasons_as_csv(
    uploaded, declared, django_capture_on_commit_callbacks
):
    client, job = uploaded
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page_url(declared, f"imports/{job.pk}/"), MAPPING)
    response = client.get(page_url(declared, f"imports/{job.pk}/rejections.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "row",
        "external_id",
        "email",
        "phone",
        "first_name",
        "attributes.tier",
        "errors",
    ]
    by_line = {row[0]: row for row in rows[1:]}
    assert sorted(by_line) == ["3", "4", "5", "7"]  # lines of the file (the header is line 1)
    assert by_line["3"][1:3] == ["A-2", "bruno@shop"]
    assert by_line["3"][-1] == "email: 'bruno@shop' is not a valid email address."
    assert by_line["4"][-1] == "phone: '12' is not a valid phone number."
    assert by_line["5"][-1] == "external_id: This field is required."
    assert by_line["7"][1:5] == ["A-1", "alice@shop.test", "", "Alice B."]
    assert "appears twice" in by_line["7"][-1]


def test_it_keeps_the_mapping_page_open_with_errors_for_a_bad_mapping(uploaded, declared):
    client, job = uploaded
    url = page_url(declared, f"imports/{job.pk}/")
    no_id = client.post(url, {**MAPPING, "map-0": ""})
    assert no_id.status_code == 400
    assert "Map a column to &#x27;external_id&#x27;." in no_id.content.decode()
    twice = client.post(url, {**MAPPING, "map-5": "email"})
    assert twice.status_code == 400
    assert "is already mapped to another column" in twice.content.decode()
    unknown = client.post(url, {**MAPPING, "map-5": "password"})
    assert unknown.status_code == 400
    assert "is not a field of this import" in unknown.content.decode()
    job.refresh_from_db()
    assert job.status == ImportStatus.MAPPING


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("people.xlsx", "external_id\nA-1\n", "Upload a .csv file."),
        ("people.csv", "", "The submitted file is empty."),
        ("people.csv", "\n\n", "The file is empty or has no header row."),
        ("people.csv", "external_id;prénom\nA-1;Zoé\n".encode("latin-1"), "UTF-8"),
    ],
)
def test_it_refuses_a_file_it_cannot_read_with_a_clear_message(
    client_as, manager_a, org_a, name, content, message
):
    response = upload(client_as(manager_a), org_a, content, name=name)
    assert response.status_code == 400
    assert message in response.content.decode()
    with organization_scope(org_a):
        assert not ImportJob.objects.exists()


def test_it_accepts_a_utf8_file_whose_first_64_kib_end_inside_a_character(
    client_as, manager_a, org_a, django_capture_on_commit_callbacks
):
    header = b"external_id,first_name\n"
    line = "X-{:05d},Élodie\n"
    body = b""
    i = 0
    while len(header) + len(body) + len(line.format(i).encode()) < 65_536:
        body += line.format(i).encode()
        i += 1
    # Pad so that the next "É" (two bytes) straddles byte 65,536.
    pad = 65_536 - (len(header) + len(body)) - len(b"X-00000,") - 1
    body += b"X-" + b"9" * (5 + pad) + b",\xc3\x89lodie\n" + "Y-1,Zoé\n".encode()
    content = header + body
    assert content[65_535:65_537] == "É".encode()
    client = client_as(manager_a)
    response = upload(client, org_a, content)
    assert response.status_code == 302, response.content.decode()[-3000:]
    job = the_job(org_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            page_url(org_a, f"imports/{job.pk}/"), {"map-0": "external_id", "map-1": "first_name"}
        )
    job.refresh_from_db()
    assert (job.status, job.created_count, job.rejected_count) == ("done", i + 2, 0)
    with organization_scope(org_a):
        assert Contact.objects.get(external_id="Y-1").first_name == "Zoé"


def test_it_imports_again_without_duplicating_anyone(
    client_as, manager_a, declared, django_capture_on_commit_callbacks
):
    with organization_scope(declared):
        upsert_contacts([{"external_id": "A-5", "first_name": "Old name"}])
    client = client_as(manager_a)
    for _ in range(2):
        upload(client, declared, CRM_EXPORT)
        with organization_scope(declared):
            job = ImportJob.objects.order_by("-pk").first()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(page_url(declared, f"imports/{job.pk}/"), MAPPING)
    with organization_scope(declared):
        jobs = list(ImportJob.objects.order_by("pk"))
        assert Contact.objects.count() == 2
        assert Contact.objects.get(external_id="A-5").first_name == "Élodie"
    assert [(j.created_count, j.updated_count, j.rejected_count) for j in jobs] == [
        (1, 1, 4),
        (0, 0, 4),  # the second run changes nothing: unchanged rows are not counted
    ]


def test_it_keeps_imports_to_managers_and_admins(client_as, agent_a, org_a):
    client = client_as(agent_a)
    assert client.get(page_url(org_a, "imports/")).status_code == 403
    assert upload(client, org_a, CRM_EXPORT).status_code == 403


def test_it_answers_404_for_another_organizations_import(
    client_as, manager_a, outsider, org_a, org_b
):
    upload(client_as(outsider), org_b, CRM_EXPORT)
    theirs = the_job(org_b)
    client = client_as(manager_a)
    for path in ("", "progress/", "rejections.csv"):
        assert client.get(page_url(org_a, f"imports/{theirs.pk}/{path}")).status_code == 404
